"""Audit: prove the log intact and the stored projections exactly what a replay gives.

1. the hash chain, from position 1 (a changed byte, a missing or reordered event), and what the
   log means (``service.logcheck``: time never running backwards, known types and schemas,
   payload fields and kinds, contiguous stream versions, unique idempotency keys);
2. a full rebuild in memory, compared row by row with the stored projection tables, and a
   digest (SHA-256 of the canonical rows) per projection on both sides;
3. every fact in the catalog projection traced to an event of the log that has a source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from service.anchor import expectation_problem
from service.chain import canonical_json, verify
from service.checkpoints import read_checkpoint
from service.errors import IntegrityError
from service.events import StoredEvent
from service.logcheck import LogCheck
from service.projections.persist import NAME, read_rows
from service.projections.rebuild import rebuild_in_memory
from service.projections.rows import Rows, materialize
from service.schema import events
from service.store import EventStore

Progress = Callable[[int], None]
#: Problems of one kind listed at most (a log broken everywhere says so in a screenful).
MAX_PROBLEMS = 20


@dataclass
class AuditReport:
    """What an audit checked and every problem it found."""

    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_position: int | None = None
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    rows_checked: int = 0
    facts_traced: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_position": self.first_bad_position,
            "problems": self.problems,
            "digests": self.digests,
            "rows_checked": self.rows_checked,
            "facts_traced": self.facts_traced,
        }


def verify_chain(
    store: EventStore, on_event: Callable[[StoredEvent], None] | None = None
) -> AuditReport:
    """Walk the whole log: positions gapless from 1, every hash recomputes and links, and
    every event means something (``LogCheck``; idempotency keys are checked in SQL)."""
    report = AuditReport()
    check = LogCheck()
    meaning: list[str] = []

    def counted() -> Iterator[StoredEvent]:
        for event in store.read():
            report.events += 1
            if on_event is not None:
                on_event(event)
            problem = check.check(event)
            if problem and len(meaning) < MAX_PROBLEMS:
                meaning.append(problem)
            yield event

    try:
        verify(counted())
    except IntegrityError as exc:
        # Everything before the first bad position was verified.
        report.events = (exc.position or 1) - 1
        report.problems.append(str(exc))
        report.first_bad_position = exc.position
        return report
    report.problems += meaning + _duplicate_keys(store)
    return report


def _duplicate_keys(store: EventStore) -> list[str]:
    """Idempotency keys held by more than one event (the unique index forbids them, unless
    someone dropped it), as problem lines."""
    query = (
        sa.select(events.c.key, sa.func.min(events.c.position), sa.func.max(events.c.position))
        .where(events.c.key.is_not(None))
        .group_by(events.c.key)
        .having(sa.func.count() > 1)
        .order_by(sa.func.min(events.c.position))
        .limit(MAX_PROBLEMS)
    )
    with store.engine.connect() as conn:
        return [
            f"position {last}: idempotency key {key!r} is already used by position {first}"
            for key, first, last in conn.execute(query)
        ]


def rows_digest(rows: Rows, projection: str) -> str:
    """SHA-256 of the canonical form of one projection's rows."""
    mine = sorted((key, value) for (name, key), value in rows.items() if name == projection)
    return hashlib.sha256(canonical_json(mine)).hexdigest()


def audit(
    store: EventStore,
    progress: Progress | None = None,
    expect: Sequence[tuple[int, str]] = (),
) -> AuditReport:
    """Chain, projections against a replay, and provenance of every catalog fact; ``expect``
    lists anchored heads ``(position, hash)`` the log must still hold (``service.anchor``).
    ``progress`` hears of every position twice: once verified, once replayed."""
    report = verify_chain(store, _every(progress, 10_000) if progress else None)
    if progress is not None:
        progress(report.events % 10_000)
    for position, digest in expect:
        problem = expectation_problem(store.engine, position, digest)
        if problem:
            report.problems.append(problem)
    if report.first_bad_position is not None:
        return report  # a replay of a broken chain proves nothing
    try:
        rebuilt = rebuild_in_memory(store.engine, progress)
    except Exception as exc:  # an event no fold can read: the problems above name it
        report.problems.append(f"the replay stopped: {type(exc).__name__}: {exc}")
        return report
    expected = materialize(rebuilt.states)
    with store.engine.connect() as conn:
        stored = read_rows(conn)
        checkpoint = read_checkpoint(conn, NAME)
    if checkpoint != rebuilt.head:
        report.problems.append(
            f"projections stand at position {checkpoint}, the log at {rebuilt.head}: "
            "run `crownlog replay`"
        )
    for key in sorted(set(stored) | set(expected)):
        report.rows_checked += 1
        if stored.get(key) != expected.get(key):
            if key not in stored:
                how = "is missing from the stored tables (a replay of the log has it)"
            elif key not in expected:
                how = "is in the stored tables but not in a replay of the log"
            else:
                how = "differs from a replay of the log"
            report.problems.append(f"projection row {key[0]}/{key[1]} {how}")
    for projection in sorted({name for name, _key in expected} | {name for name, _ in stored}):
        report.digests[projection] = {
            "stored": rows_digest(stored, projection),
            "replayed": rows_digest(expected, projection),
        }
    _trace_facts(store, expected, report)
    return report


def _every(progress: Progress, step: int) -> Callable[[StoredEvent], None]:
    """A per-event callback reporting to ``progress`` every ``step`` events (a bar redrawn
    per event would cost more than checking the event)."""
    seen = 0

    def on_event(event: StoredEvent) -> None:
        nonlocal seen
        seen += 1
        if seen == step:
            progress(seen)
            seen = 0

    return on_event


def _trace_facts(store: EventStore, rows: Rows, report: AuditReport) -> None:
    positions = {
        position
        for (projection, _key), value in rows.items()
        if projection == "catalog"
        for position in value.get("provenance", {}).values()
    }
    found: dict[int, bool] = {}
    ordered = sorted(positions)
    with store.engine.connect() as conn:
        for start in range(0, len(ordered), 500):
            query = sa.select(events.c.position, events.c.source).where(
                events.c.position.in_(ordered[start : start + 500])
            )
            found.update({position: source is not None for position, source in conn.execute(query)})
    for position in ordered:
        report.facts_traced += 1
        if position not in found:
            report.problems.append(f"a catalog fact cites position {position}, not in the log")
        elif not found[position]:
            report.problems.append(f"the event at position {position} behind a fact has no source")
