"""The first end-to-end path: `crownlog poll` turns a file:// RSS feed into ItemObserved events."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import orjson

from tests.cli import run
from tests.conftest import ROOT, settings_toml

DEMO_FEED = ROOT / "tests" / "fixtures" / "news-3.xml"


def _config(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(DEMO_FEED, folder / "feed.xml")
    (folder / "sources.toml").write_text(
        '[[source]]\nid = "news"\nkind = "feed"\nurl = "file:feed.xml"\nevery = "30m"\n'
    )
    (folder / "crownlog.toml").write_text(settings_toml())
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml")}


def _poll(url: str, tmp_path: Path, env: dict[str, str]) -> dict[str, object]:
    result = run("poll", "--json", url=url, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (outcome,) = orjson.loads(result.stdout)
    return outcome  # type: ignore[no-any-return]


def _events(url: str, tmp_path: Path, env: dict[str, str]) -> list[dict[str, object]]:
    result = run("events", "export", url=url, cwd=tmp_path, env=env)
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def _items(url: str, tmp_path: Path, env: dict[str, str]) -> list[dict[str, object]]:
    """The provenance roots only (the catalog and the extracted facts are tested elsewhere)."""
    kinds = ("ItemObserved", "ItemRevised")
    return [e for e in _events(url, tmp_path, env) if e["type"] in kinds]


def test_poll_appends_each_new_item_once_with_provenance(database_url: str, tmp_path: Path) -> None:
    """First poll: one ItemObserved per item with its source; later polls append nothing."""
    env = _config(tmp_path)
    first = _poll(database_url, tmp_path, env)
    assert first["status"] == "ok" and first["items"] == 3 and first["appended"] > 3
    events = _items(database_url, tmp_path, env)
    assert [e["type"] for e in events] == ["ItemObserved"] * 3
    kimi = next(e for e in events if "kimi" in str(e["key"]))
    assert kimi["stream"] == "source:news"
    assert kimi["occurred_at"] == "2025-07-11T09:00:00.000000+00:00"
    assert kimi["source"] == {
        "source_id": "news",
        "item_id": "demo-en-2025-07-11-kimi-k2",
        "url": "https://demo.crownlog.invalid/news/kimi-k2",
        "sha256": kimi["data"]["sha256"],  # type: ignore[index]
    }
    assert "1 trillion total parameters" in kimi["data"]["summary"]  # type: ignore[index]
    assert "<p>" not in kimi["data"]["summary"]  # type: ignore[index]

    assert _poll(database_url, tmp_path, env)["appended"] == 0
    feed = tmp_path / "config" / "feed.xml"
    later = time.time() + 5
    os.utime(feed, (later, later))  # re-fetched in full, same content
    again = _poll(database_url, tmp_path, env)
    assert again["status"] == "ok" and again["appended"] == 0
    assert len(_items(database_url, tmp_path, env)) == 3


def test_a_changed_item_is_recorded_as_revised(database_url: str, tmp_path: Path) -> None:
    """An item whose content changed is appended as ItemRevised naming the previous hash."""
    env = _config(tmp_path)
    _poll(database_url, tmp_path, env)
    feed = tmp_path / "config" / "feed.xml"
    feed.write_text(feed.read_text().replace("355B-parameter", "355-billion-parameter"))
    later = time.time() + 10
    os.utime(feed, (later, later))
    outcome = _poll(database_url, tmp_path, env)
    assert outcome["appended"] >= 1
    revised = _items(database_url, tmp_path, env)[-1]
    assert revised["type"] == "ItemRevised"
    assert revised["data"]["item_id"] == "demo-en-2025-07-28-glm-4.5"  # type: ignore[index]
    assert revised["data"]["previous"] != revised["data"]["sha256"]  # type: ignore[index]


def test_a_broken_source_is_marked_and_the_others_go_on(database_url: str, tmp_path: Path) -> None:
    """A missing file fails its own source with a clear error (exit 1); the good source still
    lands."""
    env = _config(tmp_path)
    sources = tmp_path / "config" / "sources.toml"
    sources.write_text(
        sources.read_text()
        + '\n[[source]]\nid = "gone"\nkind = "feed"\nurl = "file:missing.xml"\nevery = "1h"\n'
    )
    result = run("poll", "--json", url=database_url, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr  # a failed source is a problem found (exit 1)
    outcomes = {o["source_id"]: o for o in orjson.loads(result.stdout)}
    assert outcomes["news"]["items"] == 3 and outcomes["news"]["appended"] > 3
    assert outcomes["gone"]["status"] == "error"
    assert "missing.xml" in outcomes["gone"]["error"]
    listing = run("sources", "--json", url=database_url, cwd=tmp_path, env=env)
    rows = {row["id"]: row for row in orjson.loads(listing.stdout)["items"]}
    assert rows["gone"]["consecutive_errors"] == 1 and rows["gone"]["healthy"] is False
    assert rows["news"]["healthy"] is True
