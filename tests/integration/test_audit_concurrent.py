"""The audit's chain walk in a child process finds exactly what the walk in turn finds, on a
SQLite file and on PostgreSQL; a child that dies or fails makes the audit fail, never pass."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from service import auditchain
from service.audit import AuditReport, audit
from service.db import create_engine
from service.schema import projection_rows
from service.store import EventStore
from tests.builders import item, mention
from tests.race import catalog
from tests.tampering import edited, rechain


def _fill(store: EventStore) -> None:
    store.append(catalog())
    store.append([item(n) for n in range(1, 6)])
    store.append([mention("glm-4.5", n, key=f"m{n}") for n in range(5)])


def _change_a_byte(store: EventStore) -> None:
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "UPDATE events SET data = replace(data, '355B', '356B') "
                "WHERE type = 'ItemObserved' AND data LIKE '%item-2\"%'"
            )
        else:
            conn.exec_driver_sql(
                "UPDATE events SET data = replace(data::text, '355B', '356B')::jsonb "
                "WHERE type = 'ItemObserved' AND data->>'item_id' = 'item-2'"
            )


def _delete_an_event(store: EventStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM events WHERE position = 7")


def _swap_two_events(store: EventStore) -> None:
    with store.engine.begin() as conn:
        for old, new in ((5, -5), (6, 5), (-5, 6)):
            conn.execute(sa.text(f"UPDATE events SET position = {new} WHERE position = {old}"))


def _time_runs_backwards(store: EventStore) -> None:
    """A meaning problem under an intact chain: the last event recorded before the first,
    every hash after it recomputed."""
    events = list(store.read())
    tail = rechain(
        [edited(events[-1], recorded_at=events[0].recorded_at.replace(year=2000))],
        events[-2].hash,
    )
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM events WHERE position = {events[-1].position}"))
        store.insert_verified(conn, tail)


def _delete_a_projection_row(store: EventStore) -> None:
    with store.engine.begin() as conn:
        key = conn.execute(sa.select(projection_rows.c.key).limit(1)).scalar_one()
        conn.execute(projection_rows.delete().where(projection_rows.c.key == key))


def _both_ways(store: EventStore) -> tuple[AuditReport, AuditReport]:
    return audit(store, concurrent=False), audit(store, concurrent=True)


def test_an_intact_log_passes_both_ways(store: EventStore) -> None:
    _fill(store)
    in_turn, side_by_side = _both_ways(store)
    assert in_turn.ok and in_turn.rows_checked > 0 and in_turn.events == store.head()[0]
    assert side_by_side.as_dict() == in_turn.as_dict()


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (_change_a_byte, "content does not match its hash"),
        (_delete_an_event, "position 7 is missing (found 8 next)"),
        (_swap_two_events, "prev_hash does not match"),
        (_time_runs_backwards, "is earlier than"),
        (_delete_a_projection_row, "is missing from the stored tables"),
    ],
)
def test_the_child_finds_what_the_walk_in_turn_finds(
    store: EventStore, tamper: Callable[[EventStore], None], expected: str
) -> None:
    """Given a tampered log (chain, meaning or projections), the audit with the chain walked
    in a child reports exactly the problems, first bad position and counts of the audit
    walking it in turn."""
    _fill(store)
    tamper(store)
    in_turn, side_by_side = _both_ways(store)
    assert not in_turn.ok and any(expected in problem for problem in in_turn.problems)
    assert side_by_side.as_dict() == in_turn.as_dict()


def test_progress_covers_every_position_twice_both_ways(store: EventStore) -> None:
    _fill(store)
    for concurrent in (False, True):
        heard: list[int] = []
        assert audit(store, heard.append, concurrent=concurrent).ok
        assert sum(heard) == 2 * store.head()[0], concurrent


def _exits(*_args: Any) -> None:
    os._exit(3)


def _killed(*_args: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _raises(url: str, counted: Any, sender: Any) -> None:
    auditchain_run(url.replace("sqlite:///", "sqlite:////nonexistent/dir/"), counted, sender)


auditchain_run = auditchain._run


@pytest.mark.parametrize(
    "child, expected",
    [
        (_exits, "the process checking the chain exited (3) without an answer"),
        (_killed, f"the process checking the chain was killed by signal {signal.SIGKILL}"),
    ],
)
def test_a_child_that_dies_fails_the_audit(
    store: EventStore, monkeypatch: pytest.MonkeyPatch, child: Any, expected: str
) -> None:
    """A chain walk whose process dies without an answer is an audit that failed: not ok,
    the chain marked unchecked, a problem that says the log is not verified."""
    _fill(store)
    monkeypatch.setattr(auditchain, "_run", child)
    report = audit(store, concurrent=True)
    assert not report.ok and not report.chain_checked
    assert report.problems[0].startswith(expected), report.problems
    assert report.problems[0].endswith("the log is NOT verified")
    assert report.rows_checked == 0 and not report.digests


def test_a_child_whose_walk_raises_fails_the_audit(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk that stops on an error (here: the child cannot open the database) is reported
    with that error, and the audit fails."""
    from service import migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append([item(1), item(2)])
    monkeypatch.setattr(auditchain, "_run", _raises)
    report = audit(store, concurrent=True)
    assert not report.ok and not report.chain_checked
    assert report.problems[0].startswith("checking the chain stopped: "), report.problems


def test_an_in_memory_database_is_audited_in_turn() -> None:
    """An in-memory SQLite database cannot be opened by another process: no child is tried."""
    assert auditchain.shareable_url(create_engine("sqlite://")) is None
    assert auditchain.shareable_url(create_engine("sqlite:///:memory:")) is None
    assert auditchain.shareable_url(create_engine("sqlite:////tmp/x.db")) == "sqlite:////tmp/x.db"
    url = "postgresql+psycopg://user:secret@db.example:5432/crownlog"
    assert auditchain.shareable_url(create_engine(url)) == url  # the password kept


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_duplicate_keys_are_found_both_ways(store: EventStore) -> None:
    """With the unique index dropped (PostgreSQL only: SQLite keeps a table's constraints), an
    idempotency key held twice is reported the same way by both audits."""
    _fill(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE events DROP CONSTRAINT uq_events_key")
    try:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE events SET key = 'm1' WHERE key = 'm3'")
        events = list(store.read())
        with store.engine.begin() as conn:  # the chain recomputed over the forged key
            first = next(e.position for e in events if e.key == "m1" and e.version > 2)
            conn.exec_driver_sql(f"DELETE FROM events WHERE position >= {first}")
            store.insert_verified(conn, rechain(events[first - 1 :], events[first - 2].hash))
        in_turn, side_by_side = _both_ways(store)
        assert any("idempotency key 'm1' is already used" in p for p in in_turn.problems)
        assert side_by_side.as_dict() == in_turn.as_dict()
    finally:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM events")
            conn.exec_driver_sql("ALTER TABLE events ADD CONSTRAINT uq_events_key UNIQUE (key)")
