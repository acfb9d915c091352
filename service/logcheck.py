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
from typing import Any

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
        return self.check_fields(
            event.position, event.stream, event.version, event.type, event.schema, event.data,
            event.recorded_at, event.key,
        )  # fmt: skip

    def check_fields(
        self,
        position: int,
        stream: str,
        version: int,
        type_name: str,
        schema: int,
        data: Any,
        recorded_at: datetime,
        key: str | None,
    ) -> str | None:
        """``check`` of an event given as its fields (the audit walks raw rows, and building
        a ``StoredEvent`` per row would cost as much as checking it)."""
        self.checked += 1
        last = self.recorded_at
        if last is not None and recorded_at < last and self.times:
            problem: str | None = (
                f"recorded_at {format_time(recorded_at)} is earlier than "
                f"{format_time(last)} before it (time runs backwards)"
            )
        else:
            problem = payload_problem(type_name, schema, data)
            if problem is None:
                before = self.versions.get(stream)
                if before is None:
                    before = self.version_of(stream)
                known = self.known_keys
                if version != before + 1:
                    problem = (
                        f"stream {stream} version {version} does not follow version "
                        f"{before} (stream versions run 1, 2, 3 … without gaps or repeats)"
                    )
                elif key is not None and known is not None and key in known:
                    problem = f"idempotency key {key!r} is already used by an earlier event"
        self.versions[stream] = version
        if last is None or recorded_at > last:
            self.recorded_at = recorded_at
        if key is not None and self.known_keys is not None:
            self.known_keys.add(key)
        return f"position {position}: {problem}" if problem else None


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
