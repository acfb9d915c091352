"""A real-shaped LMArena archive whose models leave and return, through the CLI, on SQLite and
PostgreSQL: at every ``as_of`` the standings rank exactly the snapshot in force (no removed
model), the crown follows the board's history, and model pages say when a model left and came
back — whether the live board is polled before or after the archive is backfilled.

The fixtures (``tests/fixtures/arena_board``) are written for the project in the shapes of
``lmarena/arena-catalog``: ``leaderboard-text.json`` (views of ``{key: {rating, rating_q975,
rating_q025}}``, no date, no method) copied once per version with the date in the file name,
and ``scatterplot-data.json`` (model metadata with licence claims).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.clock import utcnow
from service.db import create_engine
from service.readmodel import ReadModel
from service.timepoint import At
from tests.cli import run
from tests.conftest import ROOT, settings_toml

FIXTURES = ROOT / "tests" / "fixtures" / "arena_board"
ARCHIVE = [
    ("leaderboard-text-2025-06-20.json", datetime(2025, 6, 20, tzinfo=UTC)),
    ("leaderboard-text-2025-07-18.json", datetime(2025, 7, 18, tzinfo=UTC)),
    ("leaderboard-text-2025-08-16.json", datetime(2025, 8, 16, tzinfo=UTC)),
    ("leaderboard-text-20250915.json", datetime(2025, 9, 15, tzinfo=UTC)),
    ("leaderboard-text-2025-10-10.json", datetime(2025, 10, 10, tzinfo=UTC)),
]
#: Board keys → crownlog slugs (the project catalog's aliases).
SLUGS = {"kimi-k2-0711-preview": "kimi-k2", "o3-2025-04-16": "o3"}
SOURCES = """
[[source]]
id = "arena"
kind = "leaderboard"
leaderboard = "lmarena-text"
url = "file:current.json"
every = "6h"
rows = "full"
method = "clt-2025-07-23"

[source.columns]
score = "rating"
ci_low = ["rating_q025", "rating_lower"]
ci_high = ["rating_q975", "rating_upper"]
votes = "num_battles"

[[source]]
id = "arena-models"
kind = "models"
leaderboard = "lmarena-text"
url = "file:models.json"
every = "1d"

[source.columns]
model = "model_api_name"
link = "model_source"
"""
EXPECTED_REIGNS = [
    ("deepseek-r1-0528", "2025-06-20", "2025-07-18"),
    ("kimi-k2", "2025-07-18", "2025-08-16"),
    ("glm-4.5", "2025-08-16", "2025-09-15"),  # GLM-4.5 is off the September board
    ("kimi-k2", "2025-09-15", "2025-10-10"),
    ("glm-4.5", "2025-10-10", None),
]


def _listed(name: str) -> set[str]:
    import orjson

    full = orjson.loads((FIXTURES / name).read_bytes())["full"]
    return {SLUGS.get(key, key) for key in full}


def _setup(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sources.toml").write_text(SOURCES)
    for name in ("current.json", "models.json"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())  # mtime: now
    (folder / "crownlog.toml").write_text(
        settings_toml() + '\n[crown]\nweights = "claimed"\n'  # the board's claims only
    )
    archive = tmp_path / "archive"
    archive.mkdir()
    for name, _when in ARCHIVE:
        shutil.copyfile(FIXTURES / name, archive / name)
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml")}


def _cli(url: str, tmp_path: Path, env: dict[str, str], *args: str) -> str:
    result = run(*args, url=url, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _ingest(url: str, tmp_path: Path, poll_first: bool) -> str:
    env = _setup(tmp_path)
    _cli(url, tmp_path, env, "poll", "arena-models", "--no-derived")
    files = [str(tmp_path / "archive" / name) for name, _when in reversed(ARCHIVE)]
    steps = [("backfill", "arena", *files), ("poll", "arena", "--no-derived")]
    outputs = [_cli(url, tmp_path, env, *step) for step in (steps[::-1] if poll_first else steps)]
    return outputs[1] if poll_first else outputs[0]


def _ranked(reads: ReadModel, when: datetime | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = reads.standings("lmarena-text", At(as_of=when))["rows"]
    return rows


def _check_timeline(url: str) -> None:
    engine = create_engine(url)
    try:
        reads = ReadModel(engine, "lmarena-text", utcnow)
        for name, when in ARCHIVE:
            for moment in (when, when + timedelta(days=2)):
                rows = _ranked(reads, moment)
                assert {row["model"] for row in rows} == _listed(name), (name, moment)
                assert len(rows) == len(_listed(name))
                assert all(row["ci_low"] < row["score"] < row["ci_high"] for row in rows)
                assert all(row["votes"] is None for row in rows)  # the file publishes none
        now = _ranked(reads, None)
        assert {row["model"] for row in now} == _listed("current.json")
        assert _ranked(reads, datetime(2025, 6, 19, tzinfo=UTC)) == []
        crown = reads.crown("lmarena-text")
        got = [(r["model"], r["from"][:10], r["to"] and r["to"][:10]) for r in crown["reigns"]]
        assert got == EXPECTED_REIGNS
        llama = reads.model("llama-4-maverick-03-26-experimental")
        assert llama is not None
        (board,) = llama["boards"]
        assert board["rank"] is None
        assert [(s["from"][:10], s["to"] and s["to"][:10]) for s in board["spells"]] == [
            ("2025-06-20", "2025-08-16")
        ]
        glm = reads.model("glm-4.5")
        assert glm is not None
        assert [(s["from"][:10], s["to"] and s["to"][:10]) for s in glm["boards"][0]["spells"]] == [
            ("2025-08-16", "2025-09-15"),
            ("2025-10-10", None),
        ]
        assert glm["boards"][0]["rank"] == 3
    finally:
        engine.dispose()


def test_backfill_then_poll_ranks_the_snapshot_in_force_at_every_as_of(
    database_url: str, tmp_path: Path
) -> None:
    """Archive first, then the live board: file-name dates, withdrawals, returns, reigns."""
    output = _ingest(database_url, tmp_path, poll_first=False)
    assert "(by its file name)" in output and "warning" not in output
    _check_timeline(database_url)
    _check_model_pages(database_url, tmp_path)


def _check_model_pages(url: str, tmp_path: Path) -> None:
    """The dashboard's and the CLI's model pages say when a model left the board and when it
    came back."""
    import warnings

    from service.api.app import create_app
    from service.bootstrap import build
    from service.settings import load_settings

    text = run("models", "glm-4.5", url=url, cwd=tmp_path, env=_env(tmp_path))
    assert text.returncode == 0, text.stderr
    assert (
        "on lmarena-text: rank 3; listed 2025-08-16 – 2025-09-15, 2025-10-10 – now" in text.stdout
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    settings = load_settings(_env(tmp_path)["CROWNLOG_CONFIG"])
    services = build(settings.model_copy(update={"database_url": url}))
    try:
        page = TestClient(create_app(services)).get("/models/glm-4.5").text
        spells = page.split('data-testid="board-spell"', 1)[1].split("</span>", 1)[0]
        assert "2025-08-16 – 2025-09-15 (left), rejoined 2025-10-10 – now" in spells
        gone = TestClient(create_app(services)).get("/models/llama-4-maverick-03-26-experimental")
        assert "off the board" in gone.text and "2025-08-16 (left)" in gone.text
    finally:
        services.close()


def test_poll_then_backfill_gives_the_same_timeline(database_url: str, tmp_path: Path) -> None:
    """The live board polled before the archive: same standings and crown at every as_of,
    and no method change recorded for a method that never changed."""
    _ingest(database_url, tmp_path, poll_first=True)
    _check_timeline(database_url)
    export = run("events", "export", url=database_url, cwd=tmp_path, env=_env(tmp_path))
    assert '"LeaderboardMethodChanged"' not in export.stdout


def test_an_undated_copy_warns_and_as_of_dates_it(database_url: str, tmp_path: Path) -> None:
    """No date inside or in the name: mtime with a warning line; --as-of dates one file and
    is refused for a document that states its own time."""
    env = _setup(tmp_path)
    copy = tmp_path / "archive" / "leaderboard-text.json"
    shutil.copyfile(FIXTURES / ARCHIVE[0][0], copy)
    warned = _cli(database_url, tmp_path, env, "backfill", "arena", str(copy))
    assert "warning:" in warned and "modification time" in warned and "--as-of" in warned
    other = tmp_path / "archive" / "board.json"
    shutil.copyfile(FIXTURES / ARCHIVE[1][0], other)
    dated = _cli(database_url, tmp_path, env, "backfill", "arena", "--as-of", "2025-07-18",
                 str(other))  # fmt: skip
    assert "as of 2025-07-18T00:00:00Z (by --as-of)" in dated and "warning" not in dated
    two = run("backfill", "arena", "--as-of", "2025-07-18", str(copy), str(other),
              url=database_url, cwd=tmp_path, env=env)  # fmt: skip
    assert two.returncode != 0 and "--as-of" in two.stderr


def _env(tmp_path: Path) -> dict[str, str]:
    return {"CROWNLOG_CONFIG": str(tmp_path / "config" / "crownlog.toml")}


@pytest.fixture(autouse=True)
def _fixtures_exist() -> None:
    assert all((FIXTURES / name).is_file() for name, _when in ARCHIVE)
