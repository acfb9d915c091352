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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from service.anchor import expectation_problem
from service.auditchain import CONCURRENT_FROM, ChainChild, shareable_url
from service.chain import canonical_json
from service.chainwalk import ChainFindings, duplicate_keys, walk
from service.checkpoints import read_checkpoint
from service.projections.persist import NAME, read_rows
from service.projections.rebuild import Rebuilt, rebuild_in_memory
from service.projections.rows import Rows, materialize
from service.schema import events
from service.store import EventStore

Progress = Callable[[int], None]


@dataclass
class AuditReport:
    """What an audit checked and every problem it found."""

    events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_position: int | None = None
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    rows_checked: int = 0
    facts_traced: int = 0
    #: False when the chain walk itself failed (its process died): nothing about the log holds.
    chain_checked: bool = True

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
            "chain_checked": self.chain_checked,
        }


def verify_chain(store: EventStore, on_count: Callable[[int], None] | None = None) -> AuditReport:
    """Walk the whole log: positions gapless from 1, every hash recomputes and links, and
    every event means something (``LogCheck``; idempotency keys are checked in SQL);
    ``on_count`` hears the number of events verified so far, now and then."""
    return _report(walk(store.engine, on_count))


def _report(findings: ChainFindings) -> AuditReport:
    return AuditReport(
        events=findings.events,
        problems=list(findings.problems),
        first_bad_position=findings.first_bad_position,
    )


def rows_digest(rows: Rows, projection: str) -> str:
    """SHA-256 of the canonical form of one projection's rows."""
    mine = sorted((key, value) for (name, key), value in rows.items() if name == projection)
    return hashlib.sha256(canonical_json(mine)).hexdigest()


def audit(
    store: EventStore,
    progress: Progress | None = None,
    expect: Sequence[tuple[int, str]] = (),
    concurrent: bool | None = None,
) -> AuditReport:
    """Chain, projections against a replay, and provenance of every catalog fact; ``expect``
    lists anchored heads ``(position, hash)`` the log must still hold (``service.anchor``).
    ``progress`` hears of every position twice: once verified, once replayed.

    The chain is walked in a child process while this one replays (``service.auditchain``)
    when the database can be opened twice and the log is long enough to pay for the child;
    ``concurrent`` forces either way (False: in turn; True: a child even for a short log)."""
    url = shareable_url(store.engine) if concurrent is not False else None
    if url is not None and (concurrent or store.head()[0] >= CONCURRENT_FROM):
        report, replayed = _side_by_side(store, url, progress)
    else:
        report, replayed = _in_turn(store, progress)
    for position, digest in expect:
        problem = expectation_problem(store.engine, position, digest)
        if problem:
            report.problems.append(problem)
    if report.first_bad_position is not None or not report.chain_checked:
        return report  # a replay of a broken (or unchecked) chain proves nothing
    if isinstance(replayed, Exception):  # an event no fold can read: the problems above name it
        report.problems.append(f"the replay stopped: {type(replayed).__name__}: {replayed}")
        return report
    _compare(store, replayed, report)
    return report


Replayed = Rebuilt | Exception | None


def _in_turn(store: EventStore, progress: Progress | None) -> tuple[AuditReport, Replayed]:
    """The chain walked, then (if it holds) the log replayed, in this process."""
    told = 0

    def counted(events: int) -> None:
        nonlocal told
        if progress is not None:
            progress(events - told)
        told = events

    report = verify_chain(store, counted)
    if report.first_bad_position is not None:
        return report, None
    return report, _replay(store, progress)


def _side_by_side(
    store: EventStore, url: str, progress: Progress | None
) -> tuple[AuditReport, Replayed]:
    """The chain walked in a child while this process replays; the replay stops early once the
    child has found the chain broken, or failed (its result would be thrown away)."""
    with ChainChild(url) as child:

        def replaying(positions: int) -> None:
            if progress is not None:
                progress(positions + child.progressed())
            answer = child.outcome()
            if answer is not None and (
                answer.findings is None or answer.findings.first_bad_position is not None
            ):
                raise _ChainBroken

        try:
            # One process: the walk keeps the second core busy (a third process folding the
            # crown would only share the two cores, and its hand-over costs time).
            replayed: Replayed = _replay(store, replaying, processes=1)
        except _ChainBroken:
            replayed = None
        keys = duplicate_keys(store.engine)  # the walk is the longer half: this costs no time
        while (answer := child.outcome(wait=0.5)) is None:
            if progress is not None:
                progress(child.progressed())
        if progress is not None:
            progress(child.progressed())
    if answer.findings is None:
        report = AuditReport(chain_checked=False)
        report.problems.append(f"{answer.failure}: the log is NOT verified")
        return report, replayed
    report = _report(answer.findings)
    if report.first_bad_position is None:
        report.problems += keys
    return report, replayed


class _ChainBroken(Exception):
    """Raised into a replay to stop it: the chain is broken (or unchecked), the replay moot."""


def _replay(
    store: EventStore, progress: Progress | None, processes: int | None = None
) -> Rebuilt | Exception:
    try:
        return rebuild_in_memory(store.engine, progress, processes)
    except _ChainBroken:
        raise
    except Exception as exc:  # reported as a problem of the audit
        return exc


def _compare(store: EventStore, rebuilt: Rebuilt | None, report: AuditReport) -> None:
    """Stored projection rows against the replay's, digests of both, and facts traced."""
    if rebuilt is None:
        return
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
