"""What an import file must mean before any of it is written (docs/design.md §2).

``service.transfer.import_events`` first verifies the file's chain; this module then checks it
against the log it would continue: every event passes ``service.logcheck.LogCheck`` with the
log's own head time, stream versions and idempotency keys. The first problem refuses the whole
file with one line naming its position. With ``clamp_time``, a ``recorded_at`` that runs
backwards is instead raised to the time before it and the chain recomputed from there on
(``clamped``): the imported events then carry new hashes, and the import says how many.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from sqlalchemy.engine import Engine

from service import appendsql
from service.chain import event_hash
from service.errors import IntegrityError
from service.events import StoredEvent
from service.logcheck import LogCheck

_CHUNK = 1000


def log_state(
    engine: Engine, streams: set[str], keys: set[str]
) -> tuple[datetime | None, dict[str, int], set[str]]:
    """The head's ``recorded_at``, the versions of ``streams`` and which of ``keys`` the log
    holds already."""
    versions: dict[str, int] = {}
    known: set[str] = set()
    ordered_streams, ordered_keys = sorted(streams), sorted(keys)
    with engine.connect() as conn:
        head_time = appendsql.head_record(conn)[2]
        for start in range(0, max(len(ordered_streams), len(ordered_keys)), _CHUNK):
            found = appendsql.survey(
                conn,
                ordered_keys[start : start + _CHUNK],
                ordered_streams[start : start + _CHUNK],
            )
            versions.update(found.versions)
            known |= found.known_keys
    return head_time, versions, known


def refuse_meaningless(
    read: Callable[[], Iterable[StoredEvent]], engine: Engine, clamp_time: bool
) -> None:
    """Raise ``IntegrityError`` naming the first event of ``read()`` (called twice) that makes
    no sense after the log."""
    listed = list(_identities(read()))
    streams = {stream for stream, _key in listed}
    keys = {key for _stream, key in listed if key is not None}
    head_time, versions, known = log_state(engine, streams, keys)
    check = LogCheck(
        recorded_at=head_time,
        version_of=lambda stream: versions.get(stream, 0),
        known_keys=known,
        times=not clamp_time,
    )
    for event in read():
        problem = check.check(event)
        if problem:
            hint = " (or import with --clamp-time)" if "time runs backwards" in problem else ""
            raise IntegrityError(f"{problem}; nothing was imported{hint}", event.position)


def _identities(events: Iterable[StoredEvent]) -> Iterator[tuple[str, str | None]]:
    for event in events:
        yield event.stream, event.key


def clamped(
    events: Iterable[StoredEvent], head_time: datetime | None, counter: list[int]
) -> Iterator[StoredEvent]:
    """``events`` with each ``recorded_at`` raised to at least the one before it (the log's
    head for the first) and, from the first change on, the chain recomputed; ``counter[0]``
    counts the events whose time was raised."""
    latest, prev_hash, rewritten = head_time, None, False
    for event in events:
        if latest is not None and event.recorded_at < latest:
            event = dataclasses.replace(event, recorded_at=latest)
            counter[0] += 1
            rewritten = True
        if rewritten:
            event = dataclasses.replace(event, prev_hash=prev_hash or event.prev_hash)
            event = dataclasses.replace(event, hash=event_hash(event))
        latest = event.recorded_at if latest is None else max(latest, event.recorded_at)
        prev_hash = event.hash
        yield event
