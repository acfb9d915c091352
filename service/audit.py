"""Audit: prove the log is intact (and, as projections arrive, that they match the log)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from service.chain import verify
from service.errors import IntegrityError
from service.events import StoredEvent
from service.store import EventStore


@dataclass
class AuditReport:
    """What an audit checked and the first problem it found, if any."""

    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_position: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    store: EventStore, on_event: Callable[[StoredEvent], None] | None = None
) -> AuditReport:
    """Walk the whole log: positions gapless from 1, every hash recomputes and links."""
    report = AuditReport()

    def counted() -> Iterator[StoredEvent]:
        for event in store.read():
            report.events += 1
            if on_event is not None:
                on_event(event)
            yield event

    try:
        verify(counted())
    except IntegrityError as exc:
        # Everything before the first bad position was verified.
        report.events = (exc.position or 1) - 1
        report.problems.append(str(exc))
        report.first_bad_position = exc.position
    return report
