"""The scheduler in real worker processes: coordination, reload, graceful shutdown.

Every wait is on a condition (a feed hit, a log line) with a deadline far above the usual time,
so a loaded machine makes the tests slower, never red; nothing asserts on elapsed time."""

from __future__ import annotations

import itertools
import signal
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from service.audit import verify_chain
from service.db import create_engine
from service.store import EventStore
from tests.feedserver import feed_server, sources_toml
from tests.workers import log_lines, start_worker, wait_for, write_config

SOURCES, EVERY = 50, 3


def _item_counts(store: EventStore) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for event in store.read():
        if event.type == "ItemObserved":
            counts[event.data["source_id"]] += 1
    return counts


@pytest.mark.timeout(900)
def test_two_workers_on_postgres_poll_each_source_once_per_due_time(
    pg_database: str, tmp_path: Path
) -> None:
    """2 workers × 50 sources: no source polled again before it is due; nothing appended twice."""
    store = EventStore(create_engine(pg_database))
    with store.engine.begin() as conn:
        for table in ("events", "items", "checkpoints", "source_state"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    with feed_server(items=20) as server:
        env = write_config(tmp_path / "cfg", sources_toml(server.base, SOURCES, f"{EVERY}s"))
        workers = [start_worker(pg_database, tmp_path, env, f"w{n}") for n in range(2)]

        def polled_thrice_by_both() -> bool:
            thrice = all(server.hits[f"/feed/{n}.xml"] >= 3 for n in range(SOURCES))
            return thrice and all(
                any(line.get("event") == "poll" for line in log_lines(tmp_path, f"w{n}"))
                for n in range(2)
            )

        wait_for(polled_thrice_by_both, 300, "every source polled three times, by both workers")
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.wait(timeout=120) == 0
    polls: dict[str, list[datetime]] = defaultdict(list)
    by_worker = {}
    for name in ("w0", "w1"):
        lines = [x for x in log_lines(tmp_path, name) if x.get("event") == "poll"]
        by_worker[name] = sum(x["status"] in ("ok", "not_modified") for x in lines)
        for line in lines:
            if line["status"] in ("ok", "not_modified"):
                polls[str(line["source"])].append(datetime.fromisoformat(str(line["polled_at"])))
    assert by_worker["w0"] > 0 and by_worker["w1"] > 0, by_worker
    assert len(polls) == SOURCES
    for source, times in polls.items():
        times.sort()
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert all(gap >= EVERY for gap in gaps), (source, gaps)
        assert server.hits[f"/feed/{source[1:]}.xml"] == len(times)
    assert _item_counts(store) == {f"s{n}": 20 for n in range(SOURCES)}
    # Every item mentions GLM-4.5 once: extraction in two workers appended each fact once.
    mentions = [e for e in store.read() if e.type == "ModelMentioned"]
    assert len(mentions) == SOURCES * 20
    assert (
        len({(e.source.source_id, e.source.item_id) for e in mentions if e.source}) == SOURCES * 20
    )
    assert verify_chain(store).ok


def test_sighup_reloads_sources_without_restart(tmp_path: Path) -> None:
    """Adding a source to sources.toml and sending SIGHUP schedules it in the running worker."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with feed_server(items=3) as server:
        env = write_config(tmp_path / "cfg", sources_toml(server.base, 1, "1h"))
        worker = start_worker(url, tmp_path, env, "worker")
        try:
            wait_for(lambda: server.hits["/feed/0.xml"] >= 1, 120, "the first source's poll")
            (tmp_path / "cfg" / "sources.toml").write_text(sources_toml(server.base, 2, "1h"))
            worker.send_signal(signal.SIGHUP)
            wait_for(lambda: server.hits["/feed/1.xml"] >= 1, 120, "the added source's poll")
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=120) == 0
    store = EventStore(create_engine(url))
    assert _item_counts(store) == {"s0": 3, "s1": 3}


def test_sigterm_during_a_poll_finishes_it_without_a_partial_batch(tmp_path: Path) -> None:
    """SIGTERM while a slow fetch is in flight: the worker exits 0 and the batch is whole."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with feed_server(items=20, delay=2.0) as server:
        env = write_config(tmp_path / "cfg", sources_toml(server.base, 1, "1h", path="slow"))
        worker = start_worker(url, tmp_path, env, "worker")
        wait_for(lambda: server.hits["/slow/0.xml"] >= 1, 120, "the slow poll to start")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    store = EventStore(create_engine(url))
    assert _item_counts(store) == {"s0": 20}
    assert verify_chain(store).ok
    stops = [x["event"] for x in log_lines(tmp_path, "worker")]
    assert "worker stopping: finishing polls in flight" in stops


def test_a_second_worker_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    """SQLite supports one worker: a second exits with a message saying so."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with feed_server(items=1) as server:
        env = write_config(tmp_path / "cfg", sources_toml(server.base, 1, "1h"))
        first = start_worker(url, tmp_path, env, "first")
        try:
            wait_for(lambda: server.hits["/feed/0.xml"] >= 1, 120, "the first worker to start")
            second = start_worker(url, tmp_path, env, "second")
            assert second.wait(timeout=120) != 0
            text = (tmp_path / "second.log").read_text()
            assert "another crownlog worker" in text and "use PostgreSQL" in text
        finally:
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=120)
