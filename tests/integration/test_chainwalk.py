"""The audit's fast walk of raw rows gives the verdict of the reader's way (decode every event,
``chain.verify`` it, ``LogCheck`` it) on stored forms the fast path does not expect: JSON
written another way, old time texts, numbers of the wrong kind, text that no longer decodes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine

from service import migrate
from service.chain import verify
from service.chainwalk import ChainFindings, walk
from service.db import create_engine
from service.errors import IntegrityError
from service.logcheck import LogCheck
from service.store import EventStore
from tests.builders import item, mention


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append([item(n) for n in range(1, 5)])
    store.append([mention("glm-4.5", n, key=f"m{n}") for n in range(4)])
    yield engine
    engine.dispose()


def reference(engine: Engine) -> tuple[int, int | None, list[str]]:
    """What the reader's way finds: events verified, first bad position, problems."""
    check, meaning = LogCheck(), []
    events = EventStore(engine).read()

    def checked() -> Iterator[object]:
        for event in events:
            problem = check.check(event)
            if problem:
                meaning.append(problem)
            yield event

    try:
        count = verify(checked())  # type: ignore[arg-type]
    except IntegrityError as exc:
        return (exc.position or 1) - 1, exc.position, [str(exc)]
    return count, None, meaning


def found(findings: ChainFindings) -> tuple[int, int | None, list[str]]:
    return findings.events, findings.first_bad_position, findings.problems


def _set(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)


def _loose(text: str) -> str:
    """The same JSON object, keys reversed, indented."""
    return json.dumps(dict(reversed(orjson.loads(text).items())), indent=1)


def test_json_written_another_way_still_verifies(sqlite_engine: Engine) -> None:
    """Payloads and sources re-serialized (spaces, another key order) mean the same: both
    ways verify them, as before the fast path."""
    with sqlite_engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT position, data, source FROM events").all()
        for position, data, source in rows:
            conn.exec_driver_sql(
                "UPDATE events SET data = ?, source = ? WHERE position = ?",
                (_loose(data), _loose(source), position),
            )
    assert found(walk(sqlite_engine)) == reference(sqlite_engine) == (8, None, [])


def test_old_time_texts_still_verify(sqlite_engine: Engine) -> None:
    """Times stored as naive UTC text without an offset (older rows) read as the same moment."""
    _set(
        sqlite_engine,
        "UPDATE events SET occurred_at = substr(occurred_at, 1, 26), "
        "recorded_at = substr(recorded_at, 1, 26)",
    )
    assert found(walk(sqlite_engine)) == reference(sqlite_engine) == (8, None, [])


@pytest.mark.parametrize(
    "sql, position, reason",
    [
        ("UPDATE events SET schema = 1.5 WHERE position = 3", 3, "content does not match"),
        ("UPDATE events SET version = 1.5 WHERE position = 6", 6, "content does not match"),
        ("UPDATE events SET data = '{\"x\": ' WHERE position = 2", 2, "no longer decodes"),
        ("UPDATE events SET data = '17' WHERE position = 4", 4, "content does not match"),
        ("UPDATE events SET recorded_at = 'soon' WHERE position = 5", 5, "no longer decodes"),
        ("UPDATE events SET source = '[1]' WHERE position = 1", 1, "no longer decodes"),
        ("UPDATE events SET key = 'other' WHERE position = 7", 7, "content does not match"),
    ],
)
def test_rows_the_fast_path_cannot_hash_get_the_old_verdict(
    sqlite_engine: Engine, sql: str, position: int, reason: str
) -> None:
    """A number of the wrong kind, text that no longer decodes, an altered field: the walk
    stops where the reader's way stops, with its message."""
    _set(sqlite_engine, sql)
    events, first_bad, problems = found(walk(sqlite_engine))
    assert (events, first_bad) == (position - 1, position)
    assert reason in problems[0], problems
    if reason != "no longer decodes":  # the reader decodes a whole chunk before verifying it
        assert (events, first_bad, problems) == reference(sqlite_engine)
