"""The score index (``board_scores``): kept with every append and import, and filled by its
migration from a log written before it existed, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from service import migrate
from service.clock import format_time, parse_time
from service.db import create_engine
from service.events import NewEvent
from service.projections.items import ItemIndex
from service.projections.persist import ProjectionWriter
from service.schema import board_scores, events
from service.store import EventStore

BOARD = "lmarena-text"


def scores() -> list[NewEvent]:
    """Two snapshots of a board, and a mention (which the index leaves out)."""
    out = []
    for day, rows in (("2025-07-18", {"a": 1425, "b": 1458}), ("2025-08-02", {"a": 1430})):
        when = parse_time(day)
        for model, value in rows.items():
            data = {"model": model, "leaderboard": BOARD, "method": "v1", "value": float(value),
                    "as_of": format_time(when)}  # fmt: skip
            out.append(NewEvent(f"model:{model}", "ScoreReported", data, when, key=f"{day}{model}"))
    mention = {"model": "a", "snippet": "a is out"}
    out.append(NewEvent("model:a", "ModelMentioned", mention, parse_time("2025-08-03")))
    return out


def index_rows(engine: sa.Engine) -> list[tuple[int, str, str, float]]:
    with engine.connect() as conn:
        query = sa.select(
            board_scores.c.position, board_scores.c.model, board_scores.c.method,
            board_scores.c.value,
        ).order_by(board_scores.c.position)  # fmt: skip
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def score_events(engine: sa.Engine) -> list[tuple[int, str, str, float]]:
    with engine.connect() as conn:
        query = sa.select(events.c.position, events.c.data).where(
            events.c.type == "ScoreReported"
        ).order_by(events.c.position)  # fmt: skip
        return [
            (position, data["model"], data["method"], float(data["value"]))
            for position, data in conn.execute(query)
        ]


def test_the_index_follows_appends(store: EventStore, engine: sa.Engine) -> None:
    """Every ScoreReported appended has its row, with the snapshot time as the log stores it."""
    store.append(scores())
    assert index_rows(engine) == score_events(engine) and len(index_rows(engine)) == 3
    with engine.connect() as conn:
        stored = conn.execute(sa.select(events.c.occurred_at).where(events.c.position == 1))
        indexed = conn.execute(sa.select(board_scores.c.occurred_at).order_by("position"))
        assert stored.scalar() == indexed.scalars().first()


def test_the_migration_fills_the_index_from_an_older_log(database_url: str, tmp_path: Path) -> None:
    """A log written before revision 0009 is indexed when the database is upgraded."""
    engine = create_engine(database_url)
    try:
        migrate.downgrade(engine, "0008_notify")
        old = EventStore(engine, projectors=[ItemIndex(), ProjectionWriter()])
        old.append(scores())
        migrate.upgrade(engine)
        assert index_rows(engine) == score_events(engine) and len(index_rows(engine)) == 3
    finally:
        engine.dispose()


def test_a_snapshot_read_again_keeps_its_later_row(store: EventStore, engine: sa.Engine) -> None:
    """A revised snapshot (same board, time, method, model) replaces the model's row, and the
    history ranks against the revision."""
    from service.scorehistory import read_history

    store.append(scores())
    when = parse_time("2025-07-18")
    data = {"model": "b", "leaderboard": BOARD, "method": "v1", "value": 1410.0,
            "as_of": format_time(when)}  # fmt: skip
    store.append([NewEvent("model:b", "ScoreReported", data, when, key="revised-b")])
    rows = index_rows(engine)
    assert len(rows) == 3 and [r[1:] for r in rows if r[1] == "b"] == [("b", "v1", 1410.0)]
    with engine.connect() as conn:
        a = read_history(conn, "a", BOARD, None, None)
        b = read_history(conn, "b", BOARD, None, None)
    assert a is not None and [p["rank"] for p in a] == [1, 1]
    assert b is not None and [(p["score"], p["rank"]) for p in b] == [(1410.0, 2)]
