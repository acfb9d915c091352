"""The live side against a real ``crownlog serve`` on loopback: server-sent events while polls
append, the admin poll, the Atom feed read back by crownlog's own feed adapter, /metrics."""

from __future__ import annotations

import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.feed import parse
from service.bootstrap import Services, build
from tests import apidata
from tests.builders import item
from tests.server import serving

TOKEN = "live-admin-token"
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Live:
    services: Services
    base: str
    directory: Path

    def poll(self, source_id: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/api/v1/sources/{source_id}/poll",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    directory = tmp_path_factory.mktemp(f"live-{request.param}")
    with apidata.race_database(request.param, directory) as url:
        env = {
            "CROWNLOG_CATALOG": str(apidata.CATALOG),
            "CROWNLOG_SOURCES": str(directory / "sources.toml"),
            "CROWNLOG_API__ADMIN_TOKEN": TOKEN,
        }
        services = build(apidata.settings(url, directory))
        try:
            with serving(url, directory, "--no-scheduler", env=env) as base:
                yield Live(services, base, directory)
        finally:
            services.close()


def sse_messages(response: httpx.Response) -> Iterator[dict[str, str]]:
    """The messages of an event stream (comments and the retry hint skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if "id" in fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def add_news(directory: Path, guid: str, title: str, text: str) -> None:
    """Add one item to the race's news feed (and move its mtime so the poll re-reads it)."""
    path = directory / "news.xml"
    path.write_bytes(apidata.news_feed({guid: ("2025-09-05T08:00:00Z", title, text)}))
    later = time.time() + 5
    os.utime(path, (later, later))


def test_sse_delivers_appends_in_order_and_resumes_after_reconnect(live: Live) -> None:
    """A client streaming while events are appended (directly and by a poll) gets each once,
    in order; reconnecting with Last-Event-ID it gets exactly what it missed."""
    store = live.services.store
    start = store.head()[0]
    final: dict[str, int] = {}

    def append_while_streaming() -> None:
        time.sleep(0.5)
        for n in range(3):
            store.append([item(n, source="sse")])
        add_news(
            live.directory,
            "kimi-k2-0905",
            "Kimi K2-0905 is out",
            "Moonshot AI released Kimi-K2-0905 on September 5, 2025 under a modified MIT license.",
        )
        assert live.poll("race-news")["appended"] > 0
        final["head"] = store.head()[0]

    received: list[dict[str, str]] = []
    writer = threading.Thread(target=append_while_streaming)
    url = f"{live.base}/api/v1/events/stream"
    with httpx.stream("GET", url, params={"after": start}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        writer.start()
        for message in sse_messages(response):
            received.append(message)
            if "head" in final and int(message["id"]) >= final["head"]:
                break
    writer.join()
    expected = store.page(after=start, limit=500)
    assert [int(m["id"]) for m in received] == [e.position for e in expected]
    assert [m["event"] for m in received] == [e.type for e in expected]
    assert {e.type for e in expected} >= {"ItemObserved", "ModelReleased"}
    last = received[-1]
    assert httpx.Response(200, content=last["data"]).json()["hash"] == expected[-1].hash

    store.append([item(n, source="sse-missed") for n in range(2)])
    missed = store.page(after=int(last["id"]), limit=500)
    resumed: list[dict[str, str]] = []
    headers = {"Last-Event-ID": last["id"]}
    with httpx.stream("GET", url, params={"after": 0}, headers=headers, timeout=30) as response:
        for message in sse_messages(response):
            resumed.append(message)
            if int(message["id"]) >= missed[-1].position:
                break
    assert [int(m["id"]) for m in resumed] == [e.position for e in missed]


def test_sse_rejects_a_bad_last_event_id(live: Live) -> None:
    """A Last-Event-ID that is not a position is a 422, not a stream from 0."""
    response = httpx.get(
        f"{live.base}/api/v1/events/stream", headers={"Last-Event-ID": "abc"}, timeout=10
    )
    assert response.status_code == 422 and "Last-Event-ID" in response.json()["error"]["message"]


def test_atom_feed_round_trips_through_crownlogs_feed_adapter(live: Live) -> None:
    """crownlog's own `feed` kind parses /api/v1/changes.atom with no bozo and every entry."""
    url = f"{live.base}/api/v1/changes.atom"
    response = httpx.get(url, timeout=10)
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids)) >= len(apidata.NEWS) + len(apidata.SNAPSHOTS)
    source = SourceConfig(id="crownlog-changes", kind="feed", url=url)
    parsed = parse(response.content, dict(response.headers), source, datetime.now(UTC))
    assert parsed.bozo_reason is None
    assert [o.item_id for o in parsed.observations] == ids
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert [o.title for o in parsed.observations] == titles
    assert all(o.url and o.url.startswith(f"{live.base}/models/") for o in parsed.observations)
    assert any(t == "GLM-4.5 takes the open-weights crown on lmarena-text" for t in titles)
    assert any(t and t.startswith("GLM-4.5 released") for t in titles)
    again = httpx.get(url, timeout=10)
    assert [
        e.findtext(f"{ATOM}id") for e in ET.fromstring(again.content).findall(f"{ATOM}entry")
    ] == ids


def test_atom_feed_filters_by_lab_and_city(live: Live) -> None:
    """lab= and city= keep only the entries of that lab's or city's models."""

    def titles(**params: str) -> list[str]:
        response = httpx.get(f"{live.base}/api/v1/changes.atom", params=params, timeout=10)
        root = ET.fromstring(response.content)
        return [str(e.findtext(f"{ATOM}title")) for e in root.findall(f"{ATOM}entry")]

    # (A release is reported by the news and by the Hugging Face listing: two entries.)
    zhipu = titles(lab="zhipu")
    assert sorted(set(zhipu)) == [
        "GLM-4.5 released (Zhipu AI, Beijing)",
        "GLM-4.5 takes the open-weights crown on lmarena-text",
    ]
    hangzhou = titles(city="hangzhou")
    assert len(set(hangzhou)) == 4 and all(("DeepSeek" in t or "Qwen3" in t) for t in hangzhou)
    assert titles(lab="no-such-lab") == []


def test_sources_metrics_and_admin_through_the_real_server(live: Live) -> None:
    """serve wires the sources list and the admin poll; /metrics shows both sides."""
    sources = httpx.get(f"{live.base}/api/v1/sources", timeout=10).json()
    assert {row["id"] for row in sources["items"]} >= {"race-news", "arena-20250815"}
    outcome = live.poll("arena-20250815")
    assert outcome["status"] in ("ok", "not_modified") and outcome["appended"] == 0
    denied = httpx.post(f"{live.base}/api/v1/sources/race-news/poll", timeout=10)
    assert denied.status_code == 401
    text = httpx.get(f"{live.base}/metrics", timeout=10).text
    assert 'crownlog_polls_total{source="arena-20250815"' in text
    assert 'route="/api/v1/sources/{source_id}/poll"' in text and 'status="401"' in text
    assert f"crownlog_log_position {float(live.services.store.head()[0])}" in text
    assert "crownlog_projection_lag_events 0.0" in text
