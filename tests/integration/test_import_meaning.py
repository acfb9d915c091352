"""Imports and the audit check what the log means, not only its hashes.

Each case edits one event of a real log and recomputes the chain, so every hash links: the
import must still refuse it with one line naming the position and the reason, and write
nothing; the audit of a log holding it must name the same problem.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from service.audit import audit
from service.errors import IntegrityError
from service.events import StoredEvent
from service.store import EventStore
from service.transfer import import_events
from tests.builders import item
from tests.cli import run
from tests.tampering import edited, rechain, scratch_log, write_jsonl

Edit = Callable[[list[StoredEvent]], None]


def at(index: int, **changes: object) -> Edit:
    def edit(events: list[StoredEvent]) -> None:
        events[index] = edited(events[index], **changes)

    return edit


def data_of(index: int, change: Callable[[dict[str, object]], dict[str, object]]) -> Edit:
    def edit(events: list[StoredEvent]) -> None:
        events[index] = edited(events[index], data=change(dict(events[index].data)))

    return edit


# (case, edit, position named, reason fragment)
CASES: list[tuple[str, Edit, int, str]] = [
    ("unknown type", at(1, type="ModelTeleported"), 2, "unknown event type 'ModelTeleported'"),
    ("schema from the future", at(1, schema=7), 2, "ItemObserved schema 7 is newer than"),
    ("schema with no upcaster", at(2, schema=0), 3, "no upcaster for ItemObserved schema 0"),
    ("stream version 999", at(2, version=999), 3, "version 999 does not follow version 2"),
    ("stream version repeated", at(4, version=1), 5, "version 1 does not follow version 1"),
    ("key used twice", at(4, key="m1"), 5, "idempotency key 'm1' is already used"),
    ("required field missing", data_of(0, lambda d: {k: v for k, v in d.items() if k != "sha256"}),
     1, "ItemObserved payload lacks sha256"),
    ("unknown field", data_of(3, lambda d: {**d, "rating": 5}), 4,
     "ModelMentioned payload has unknown field(s) rating"),
    ("field of the wrong kind", data_of(3, lambda d: {**d, "confidence": "high"}), 4,
     "ModelMentioned field confidence is 'high', not null or number"),
    ("identity of the wrong kind", data_of(3, lambda d: {**d, "model": ["glm-4.5"]}), 4,
     "field model is ['glm-4.5'], not text"),
    ("boolean as a count", data_of(1, lambda d: {**d, "item_id": True}), 2,
     "field item_id is True, not text"),
]  # fmt: skip
IDS = [case[0] for case in CASES]


def loosen(conn: Connection, request: pytest.FixtureRequest) -> None:
    """Drop the events table's unique constraints, as someone editing the database could (the
    session's shared PostgreSQL database gets them back after the test)."""
    if conn.dialect.name == "postgresql":
        request.addfinalizer(lambda: tighten(conn.engine))
        conn.exec_driver_sql("ALTER TABLE events DROP CONSTRAINT uq_events_key")
        conn.exec_driver_sql("ALTER TABLE events DROP CONSTRAINT uq_events_stream_version")
        return
    conn.exec_driver_sql("CREATE TABLE loose AS SELECT * FROM events")  # no constraints
    conn.exec_driver_sql("DROP TABLE events")
    conn.exec_driver_sql("ALTER TABLE loose RENAME TO events")


def tighten(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM events")
        conn.exec_driver_sql("ALTER TABLE events ADD CONSTRAINT uq_events_key UNIQUE (key)")
        conn.exec_driver_sql(
            "ALTER TABLE events ADD CONSTRAINT uq_events_stream_version UNIQUE (stream, version)"
        )


def tampered(tmp_path: Path, edit: Edit) -> list[StoredEvent]:
    events = scratch_log(tmp_path)
    edit(events)
    return rechain(events)


@pytest.mark.parametrize(("case", "edit", "position", "reason"), CASES, ids=IDS)
def test_an_import_that_means_nothing_is_refused_whole(
    store: EventStore, tmp_path: Path, case: str, edit: Edit, position: int, reason: str
) -> None:
    """Refused at the first bad position, in one line; nothing written."""
    dump = write_jsonl(tmp_path / "tampered.jsonl", tampered(tmp_path, edit))
    with pytest.raises(IntegrityError) as caught:
        import_events(store, dump)
    message = str(caught.value)
    assert message.startswith(f"position {position}: ") and reason in message, message
    assert "\n" not in message and caught.value.position == position
    assert store.head()[0] == 0


@pytest.mark.parametrize(("case", "edit", "position", "reason"), CASES, ids=IDS)
def test_the_audit_names_what_the_log_does_not_mean(
    store: EventStore,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    case: str,
    edit: Edit,
    position: int,
    reason: str,
) -> None:
    """The same events written straight into the table (for a repeated key or version, one
    whose unique constraints were dropped): the chain holds, the audit names the problem."""
    events = tampered(tmp_path, edit)
    with store.engine.begin() as conn:
        if case in ("key used twice", "stream version repeated"):
            loosen(conn, request)
        EventStore(store.engine).insert_verified(conn, events)  # no projector: a raw write
    report = audit(store)
    assert report.first_bad_position is None, report.problems  # the chain itself is intact
    assert any(p.startswith(f"position {position}: ") and reason in p for p in report.problems), (
        report.problems
    )


def test_a_key_the_log_already_holds_is_refused(store: EventStore, tmp_path: Path) -> None:
    """A continuation file reusing a key of the log it continues."""
    store.append([item(9, source="other")])  # position 1, key item|other|item-9
    events = scratch_log(tmp_path)  # recorded after it
    head = store.head()
    moved = [edited(e, position=e.position + 1) for e in events]
    moved[0] = edited(moved[0], key="item|other|item-9")
    dump = write_jsonl(tmp_path / "tail.jsonl", rechain(moved, head[1]))
    with pytest.raises(IntegrityError, match=r"position 2: idempotency key 'item\|other\|item-9'"):
        import_events(store, dump)
    assert store.head() == head


def test_an_old_schema_with_an_upcaster_imports(store: EventStore, tmp_path: Path) -> None:
    """ScoreReported schema 0 (``ci: [low, high]``) has an upcaster: it is no problem."""
    events = scratch_log(tmp_path)
    score = {"model": "glm-4.5", "leaderboard": "lmarena-text", "method": "m", "value": 1400.0,
             "as_of": "2025-07-20T00:00:00.000000+00:00", "ci": [1395.0, 1405.0]}  # fmt: skip
    events.append(
        edited(
            events[-1],
            position=6,
            stream="leaderboard:lmarena-text",
            version=1,
            type="ScoreReported",
            schema=0,
            data=score,
            key="score-0",
        )
    )
    assert import_events(store, write_jsonl(tmp_path / "old.jsonl", rechain(events))).events == 6
    assert audit(store).ok


def test_the_cli_refuses_the_issue_case_in_one_line(database_url: str, tmp_path: Path) -> None:
    """Unknown type, schema 7 and stream version 999 on one event, hash recomputed: exit 1,
    one line naming position 2, an empty log."""
    events = scratch_log(tmp_path)
    events[1] = edited(events[1], type="ModelTeleported", schema=7, version=999)
    dump = write_jsonl(tmp_path / "issue.jsonl", rechain(events))
    result = run("events", "import", str(dump), url=database_url, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("crownlog: error:")]
    assert "position 2: unknown event type 'ModelTeleported'" in line, result.stderr
    assert run("events", "export", url=database_url, cwd=tmp_path).stdout == ""
