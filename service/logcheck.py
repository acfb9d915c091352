"""What a log must mean beyond its hashes (docs/design.md §2), checked event by event.

A chain proves that nobody changed what was written; it does not prove that what was written
makes sense. ``LogCheck`` walks events in position order and names, per event, the first of:

- a ``recorded_at`` earlier than the event before it (time runs backwards, and ``known_at``
  answers would disagree between the position index and the time filter);
- an unknown event type, a schema with no way to the current one, a payload whose fields or
  field kinds are wrong (``service.payloadcheck``);
- a stream version that does not continue its stream (1, 2, 3 … with no gap or repeat);
- an idempotency key seen before.

Each problem is one line: ``position N: reason``. Imports refuse on the first; the audit lists
them. Pure: what the database already holds (versions, keys, the head's time) is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from service.clock import format_time
from service.events import StoredEvent
from service.payloadcheck import payload_problem

#: The last version of a stream already in the log (0 if none).
VersionOf = Callable[[str], int]


def _none(_stream: str) -> int:
    return 0


@dataclass
class LogCheck:
    """Checks events in position order; ``check`` returns the problem of one event, or None.

    ``recorded_at``: the time of the event before the first one checked (an import: the log's
    head). ``version_of``: stream versions already in the log. ``known_keys``: keys already in
    the log (None: keys are not tracked, e.g. the audit, which asks the database instead).
    ``times``: whether a ``recorded_at`` that runs backwards is a problem.
    """

    recorded_at: datetime | None = None
    version_of: VersionOf = _none
    known_keys: set[str] | None = None
    times: bool = True
    versions: dict[str, int] = field(default_factory=dict)
    checked: int = 0

    def check(self, event: StoredEvent) -> str | None:
        """The first problem of ``event`` after those before it, or None."""
        self.checked += 1
        problem = self._problem(event)
        self.versions[event.stream] = event.version
        if self.recorded_at is None or event.recorded_at > self.recorded_at:
            self.recorded_at = event.recorded_at
        if self.known_keys is not None and event.key is not None:
            self.known_keys.add(event.key)
        return f"position {event.position}: {problem}" if problem else None

    def _problem(self, event: StoredEvent) -> str | None:
        if self.times and self.recorded_at is not None and event.recorded_at < self.recorded_at:
            return (
                f"recorded_at {format_time(event.recorded_at)} is earlier than "
                f"{format_time(self.recorded_at)} before it (time runs backwards)"
            )
        problem = payload_problem(event.type, event.schema, event.data)
        if problem:
            return problem
        before = self.versions.get(event.stream)
        if before is None:
            before = self.version_of(event.stream)
        if event.version != before + 1:
            return (
                f"stream {event.stream} version {event.version} does not follow version "
                f"{before} (stream versions run 1, 2, 3 … without gaps or repeats)"
            )
        if self.known_keys is not None and event.key is not None and event.key in self.known_keys:
            return f"idempotency key {event.key!r} is already used by an earlier event"
        return None


def problems(events: Iterable[StoredEvent], check: LogCheck, most: int = 20) -> list[str]:
    """Up to ``most`` problems of ``events`` (then one line counting the rest)."""
    found: list[str] = []
    extra = 0
    for event in events:
        problem = check.check(event)
        if problem is None:
            continue
        if len(found) < most:
            found.append(problem)
        else:
            extra += 1
    if extra:
        found.append(f"… and {extra} more problems of the same kinds")
    return found
