"""The July-2025 demo end to end through the real CLI, checked against config/demo/SOURCES.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli import run
from tests.conftest import ROOT
from tests.dbs import create_pg_database, drop_pg_database, postgres_server_url, require_postgres

SOURCES_MD = ROOT / "config" / "demo" / "SOURCES.md"
ENV = {"CROWNLOG_CONFIG": str(ROOT / "config" / "crownlog.toml")}


def _table(heading: str) -> list[dict[str, str]]:
    """The first markdown table under ``heading`` in SOURCES.md, as rows of cells."""
    text = SOURCES_MD.read_text()
    section = text[text.index(heading) :]
    block: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            break
    header, _rule, *rows = block
    names = [cell.strip() for cell in header.strip("|").split("|")]
    return [dict(zip(names, (c.strip() for c in row.strip("|").split("|")), strict=True))
            for row in rows]  # fmt: skip


def _time(cell: str) -> str | None:
    match = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})Z", cell)
    return f"{match.group(1)}T{match.group(2)}:00.000000+00:00" if match else None


def _value(cell: str) -> Any:
    if cell in ("null", ""):
        return None
    if cell in ("true", "false"):
        return cell == "true"
    return int(cell) if cell.isdigit() else cell


def _ingest(url: str, cwd: Path, poll_first: bool = False) -> None:
    steps = [("backfill", "--demo", "lmarena-current"), ("poll", "--demo", "--workers", "1")]
    for args in reversed(steps) if poll_first else steps:
        result = run(*args, url=url, cwd=cwd, env=ENV, timeout=300)
        assert result.returncode == 0, result.stderr
        assert "0 failed" in result.stdout or "snapshots" in result.stdout, result.stdout


def _json(url: str, cwd: Path, *args: str) -> Any:
    result = run(*args, "--json", url=url, cwd=cwd, env=ENV)
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def _check_story(url: str, cwd: Path) -> None:
    crown = _json(url, cwd, "crown")
    expected = _table("### 1.1 Crown reigns")
    assert [r["model"] for r in crown["reigns"]] == [row["model"] for row in expected]
    for reign, row in zip(crown["reigns"], expected, strict=True):
        assert (reign["lab"], reign["city"]) == (row["lab"], row["city"])
        assert reign["from"] == _time(row["from"]) and reign["to"] == _time(row["to"])
        holders = [] if row["co_holders"] == "(none)" else row["co_holders"].split(", ")
        assert reign["co_holders"] == holders
    assert crown["holder"]["model"] == "glm-4.5"

    standings = _json(url, cwd, "standings")
    expected_rows = _table("### 1.2 Standings")
    got = [(r["rank"], r["model"], r["lab"], r["city"], r["score"], r["open_weights"],
            r["weights"]) for r in standings["rows"]]  # fmt: skip
    want = [(int(r["rank"]), r["model"], r["lab"], r["city"], float(r["score"]),
             r["open_weights"] == "true", r["weights"]) for r in expected_rows]  # fmt: skip
    assert got == want

    models = {m["slug"]: m for m in _json(url, cwd, "models")["items"]}
    expected_models = _table("### 1.3 Models")
    assert len(expected_models) >= 15
    for row in expected_models:
        model = models[row["model"]]
        fields = ("lab", "city", "params_total", "params_active", "license", "open_weights")
        for field in (*fields, "weights"):
            assert model[field] == _value(row[field]), (row["model"], field)
        released = _value(row["released_at"])
        assert (model["released_at"] or "")[:10] == (released or ""), row["model"]

    cities = {c["name"]: c for c in _json(url, cwd, "cities")["items"]}
    for row in _table("### 1.4 Cities"):
        city = cities[row["city"]]
        assert city["models_released"] == int(row["models_released"].split()[0]), row["city"]
        best = row["best_rank"].split()[0]
        assert city["best_rank"] == (None if best == "null" else int(best)), row["city"]


def test_demo_on_sqlite_tells_the_story_in_sources_md(tmp_path: Path) -> None:
    """Fresh SQLite + backfill + poll: crown, standings, 19 models and cities as documented;
    a second run appends nothing and the audit passes."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    _ingest(url, tmp_path)
    _check_story(url, tmp_path)
    head = _json(url, tmp_path, "audit", "verify")
    assert head["ok"] is True
    again = run("poll", "--demo", "--json", url=url, cwd=tmp_path, env=ENV)
    assert sum(o["appended"] for o in orjson.loads(again.stdout)) == 0
    backfill = run("backfill", "--demo", "lmarena-current", url=url, cwd=tmp_path, env=ENV)
    assert "0 events appended" in backfill.stdout


def test_demo_polled_before_its_archive_tells_the_same_story(tmp_path: Path) -> None:
    """The live snapshot first, then the archive (SOURCES.md §4): same reigns, standings,
    models and cities — no method change recorded at the live snapshot's date."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    _ingest(url, tmp_path, poll_first=True)
    _check_story(url, tmp_path)


@pytest.fixture
def pg_url() -> Any:
    server = require_postgres()
    url = create_pg_database(server, prefix="crownlog_demo")
    yield url
    drop_pg_database(server, url)


def test_demo_on_postgres_matches_sqlite(pg_url: str, tmp_path: Path) -> None:
    """The demo runs on PostgreSQL with the same story; the SQLite log imported into
    PostgreSQL replays to byte-identical projection digests."""
    _ingest(pg_url, tmp_path)
    _check_story(pg_url, tmp_path)

    sqlite = f"sqlite:///{tmp_path / 'demo.db'}"
    _ingest(sqlite, tmp_path)
    dump = tmp_path / "log.jsonl"
    assert run("events", "export", "-o", str(dump), url=sqlite, cwd=tmp_path).returncode == 0
    server = postgres_server_url()
    assert server is not None
    target = create_pg_database(server, prefix="crownlog_demo_import")
    try:
        assert run("events", "import", str(dump), url=target, cwd=tmp_path).returncode == 0
        on_pg = _json(target, tmp_path, "replay")
        on_sqlite = _json(sqlite, tmp_path, "replay")
        assert on_pg["digests"] == on_sqlite["digests"]
        assert on_pg["position"] == on_sqlite["position"]
    finally:
        drop_pg_database(server, target)
