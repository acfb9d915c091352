"""`crownlog backfill`: archived leaderboard snapshots ingested in as_of order, once."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli import run
from tests.conftest import settings_toml


def _snapshot(folder: Path, name: str, as_of: str, leader: str) -> Path:
    rows = [
        {"model": leader, "score": 1430.0, "license": "MIT", "votes": 9000},
        {"model": "gemini-2.5-pro", "score": 1460.5, "license": "Proprietary", "votes": 20000},
    ]
    path = folder / name
    path.write_bytes(orjson.dumps({"as_of": as_of, "method": "bt-v1", "rows": rows}))
    return path


def _config(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sources.toml").write_text(
        '[[source]]\nid = "arena"\nkind = "leaderboard"\nleaderboard = "lmarena-text"\n'
        'url = "file:current.json"\nevery = "1d"\n'
    )
    (folder / "crownlog.toml").write_text(settings_toml())
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml")}


def test_backfill_appends_snapshots_oldest_first_and_only_once(
    database_url: str, tmp_path: Path
) -> None:
    """Files given in any order land in as_of order; a second run appends nothing."""
    env = _config(tmp_path)
    files = [
        _snapshot(tmp_path, "c.json", "2025-08-05", "glm-4.5"),
        _snapshot(tmp_path, "a.json", "2025-06-01", "deepseek-r1-0528"),
        _snapshot(tmp_path, "b.json", "2025-07-15", "kimi-k2-0711-preview"),
    ]
    args = ["backfill", "arena", *map(str, files)]
    first = run(*args, url=database_url, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "3 files, 3 snapshots" in first.stdout
    export = run("events", "export", url=database_url, cwd=tmp_path, env=env)
    snapshots = [orjson.loads(x) for x in export.stdout.splitlines()]
    snapshots = [e for e in snapshots if e["data"].get("kind") == "leaderboard"]
    assert [e["occurred_at"][:10] for e in snapshots] == ["2025-06-01", "2025-07-15", "2025-08-05"]
    assert snapshots[0]["data"]["fields"]["rows"][0]["model"] in {
        "deepseek-r1-0528",
        "gemini-2.5-pro",
    }
    assert snapshots[0]["source"]["url"].endswith("/a.json")

    second = run(*args, url=database_url, cwd=tmp_path, env=env)
    assert second.returncode == 0 and "3 snapshots, 0 events appended" in second.stdout


def test_backfill_refuses_a_bad_file_before_appending_anything(
    database_url: str, tmp_path: Path
) -> None:
    """One unreadable snapshot stops the backfill with its name; nothing is appended."""
    env = _config(tmp_path)
    good = _snapshot(tmp_path, "a.json", "2025-06-01", "deepseek-r1-0528")
    bad = tmp_path / "b.json"
    bad.write_text('{"as_of": "2025-07-01", "rows": [{"name": "no model column"}]}')
    result = run("backfill", "arena", str(good), str(bad), url=database_url, cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "b.json" in result.stderr
    export = run("events", "export", url=database_url, cwd=tmp_path, env=env)
    types = {orjson.loads(line)["type"] for line in export.stdout.splitlines()}
    assert types <= {"LabRegistered", "ModelRegistered"}  # the catalog sync, nothing else
