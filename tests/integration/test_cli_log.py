"""The log through the real CLI: upgrade, export/import, audit verify, tamper detection."""

from __future__ import annotations

from pathlib import Path

import orjson
import sqlalchemy as sa

from service import migrate
from service.store import EventStore
from tests.builders import item, mention
from tests.cli import run


def _fill(store: EventStore) -> None:
    store.append([item(n) for n in range(1, 6)])
    store.append([mention("glm-4.5", n, key=f"m{n}") for n in range(5)])


def test_db_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    """`crownlog db upgrade` creates the schema and says which revision it is at."""
    result = run("db", "upgrade", url=f"sqlite:///{tmp_path / 'new.db'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    head = migrate.head_revision()
    assert f"database at migration {head} (was empty)" in result.stdout
    again = run("db", "current", url=f"sqlite:///{tmp_path / 'new.db'}", cwd=tmp_path)
    assert f"database: {head}; code: {head}" in again.stdout


def test_audit_verify_passes_on_an_intact_log(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """An untouched log verifies: exit 0 and the event count."""
    _fill(store)
    result = run("audit", "verify", url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "chain intact: 10 events, head 10" in result.stdout


def test_one_changed_byte_of_data_fails_audit_naming_the_position(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """Changing one byte of one stored event's data → exit 1 naming that position."""
    _fill(store)
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "UPDATE events SET data = replace(data, '355B', '356B') WHERE position = 4"
            )
        else:
            conn.exec_driver_sql(
                "UPDATE events SET data = replace(data::text, '355B', '356B')::jsonb "
                "WHERE position = 4"
            )
    result = run("audit", "verify", "--json", url=database_url, cwd=tmp_path)
    assert result.returncode == 1
    report = orjson.loads(result.stdout)
    assert report["first_bad_position"] == 4 and report["events"] == 3
    assert "position 4" in report["problems"][0]


def test_a_deleted_event_fails_audit(database_url: str, store: EventStore, tmp_path: Path) -> None:
    """A missing event breaks the chain where it was removed."""
    _fill(store)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE position = 7"))
    result = run("audit", "verify", url=database_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "position 7 is missing" in result.stderr


def test_export_then_import_into_an_empty_database_reproduces_the_log(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """Export → import elsewhere gives the identical envelopes; `--after` exports a tail."""
    _fill(store)
    dump = tmp_path / "log.jsonl"
    exported = run("events", "export", "-o", str(dump), url=database_url, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    lines = dump.read_bytes().splitlines()
    assert len(lines) == 10
    tail = run("events", "export", "--after", "8", url=database_url, cwd=tmp_path)
    assert [orjson.loads(x)["position"] for x in tail.stdout.splitlines()] == [9, 10]

    target = f"sqlite:///{tmp_path / 'restored.db'}"
    imported = run("events", "import", str(dump), url=target, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "imported 10 events; head is now 10" in imported.stdout
    again = run("events", "export", url=target, cwd=tmp_path)
    assert again.stdout.encode().splitlines() == lines
    assert run("audit", "verify", url=target, cwd=tmp_path).returncode == 0


def test_import_refuses_a_broken_file_and_writes_nothing(
    database_url: str, store: EventStore, tmp_path: Path
) -> None:
    """A file with one altered line is refused naming the position; the target stays empty."""
    _fill(store)
    dump = tmp_path / "log.jsonl"
    run("events", "export", "-o", str(dump), url=database_url, cwd=tmp_path)
    lines = dump.read_bytes().splitlines()
    lines[6] = lines[6].replace(b'"glm-4.5 mentioned', b'"GLM-4.5 mentioned')
    dump.write_bytes(b"\n".join(lines) + b"\n")
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    result = run("events", "import", str(dump), url=target, cwd=tmp_path)
    assert result.returncode == 1
    assert "position 7" in result.stderr
    count = run("events", "export", url=target, cwd=tmp_path)
    assert count.stdout == ""
