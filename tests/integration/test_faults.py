"""Faults, as tests, each on PostgreSQL: the server restarted under a running worker and API,
two API processes with two workers under load for a minute, a worker's connections terminated
mid-poll, a worker SIGKILLed mid-poll (each on a private server). After each: no loss, no
duplicate item or fact, the chain and ``audit verify`` clean. (SIGKILL inside one large append's
transaction lives in test_concurrency.)"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from service.audit import verify_chain
from service.db import create_engine
from service.store import EventStore
from tests.cli import run
from tests.feedserver import feed_server, sources_toml
from tests.pgserver import private_postgres
from tests.server import free_port, serving
from tests.workers import log_lines, start_worker, wait_for, write_config

pytestmark = pytest.mark.slow


def _items(url: str) -> Counter[tuple[str, str]]:
    """How often each (source, item) was observed, read on a fresh connection."""
    engine = create_engine(url)
    try:
        counts: Counter[tuple[str, str]] = Counter()
        for event in EventStore(engine).read():
            if event.type == "ItemObserved":
                counts[(event.data["source_id"], event.data["item_id"])] += 1
        return counts
    finally:
        engine.dispose()


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.TransportError:
        return None


def _exactly_once(url: str, sources: int, items: int) -> None:
    counts = _items(url)
    assert len(counts) == sources * items and set(counts.values()) == {1}, counts.most_common(3)
    engine = create_engine(url)
    try:
        store = EventStore(engine)
        mentions = Counter(
            (e.source.source_id, e.source.item_id)
            for e in store.read()
            if e.type == "ModelMentioned" and e.source
        )
        assert len(mentions) == sources * items and set(mentions.values()) == {1}
        assert verify_chain(store).ok
    finally:
        engine.dispose()


def test_postgres_restarted_under_a_running_worker_and_api(tmp_path: Path) -> None:
    """Stop the server: /readyz of both says 503, /healthz and /metrics still answer (the last
    known per-source values, the process metrics, the worker's poll counters), reads are
    503 with the error body, polls are skipped without blaming the sources. Start it again:
    both recover by themselves, and what the feeds added meanwhile is appended exactly once."""
    sources = 4
    with private_postgres() as pg, feed_server(items=3) as feeds:
        url = pg.create_database("crownlog")
        env = write_config(tmp_path / "cfg", sources_toml(feeds.base, sources, "2s"))
        port = free_port()
        probe = f"http://127.0.0.1:{port}"
        worker = start_worker(url, tmp_path, env, "worker", "--metrics-port", str(port))
        try:
            with serving(url, tmp_path, "--no-scheduler", env=env) as api:
                wait_for(lambda: len(_items(url)) == sources * 3, 90, "the first items")
                assert _status(f"{api}/readyz") == 200 and _status(f"{probe}/readyz") == 200
                known = 'crownlog_source_consecutive_errors{source="s0"} 0.0'
                assert known in httpx.get(f"{api}/metrics", timeout=10).text

                pg.stop()
                wait_for(lambda: _status(f"{api}/readyz") == 503, 30, "the API's /readyz 503")
                wait_for(lambda: _status(f"{probe}/readyz") == 503, 30, "the worker's /readyz")
                assert _status(f"{api}/healthz") == 200 and _status(f"{probe}/healthz") == 200
                metrics = httpx.get(f"{api}/metrics", timeout=10)
                assert metrics.status_code == 200 and "crownlog_database_up 0.0" in metrics.text
                assert known in metrics.text  # the last values read, not an empty family
                assert "process_cpu_seconds_total" in metrics.text
                worker_metrics = httpx.get(f"{probe}/metrics", timeout=10)
                assert worker_metrics.status_code == 200
                assert 'crownlog_polls_total{source="s0",status="ok"}' in worker_metrics.text
                read = httpx.get(f"{api}/api/v1/standings", timeout=10)
                assert read.status_code == 503 and read.json()["error"]["code"] == "unavailable"

                def skipped() -> bool:
                    return any(
                        line.get("event") == "poll skipped: database unavailable"
                        for line in log_lines(tmp_path, "worker")
                    )

                wait_for(skipped, 30, "a poll skipped while the database is down")
                feeds.grow(6)
                pg.start()

                wait_for(lambda: _status(f"{api}/readyz") == 200, 60, "the API's /readyz 200")
                wait_for(lambda: _status(f"{probe}/readyz") == 200, 60, "the worker's /readyz")
                wait_for(lambda: len(_items(url)) == sources * 6, 90, "the items added meanwhile")
                wait_for(lambda: _status(f"{api}/api/v1/standings") == 200, 30, "reads again")
                assert "crownlog_database_up 1.0" in httpx.get(f"{api}/metrics", timeout=10).text
                body = httpx.get(f"{api}/api/v1/sources", timeout=10).json()
                assert all(row["consecutive_errors"] == 0 for row in body["items"]), body
            assert worker.poll() is None, "the worker died during the outage"
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
        _exactly_once(url, sources, 6)


ENDPOINTS = [
    "/api/v1/standings",
    "/api/v1/standings?open_weights=true",
    "/api/v1/crown",
    "/api/v1/models",
    "/api/v1/labs",
    "/api/v1/cities",
    "/api/v1/events?after=0&limit=50",
    "/api/v1/sources",
    "/api/v1/changes.atom",
    "/api/v1/standings?as_of=2025-07-28",
    "/",
    "/metrics",
    "/readyz",
]


def test_two_apis_and_two_workers_under_load_for_a_minute(pg_database: str, tmp_path: Path) -> None:
    """Two ``serve --no-scheduler`` and two workers on one PostgreSQL database, readers hitting
    both APIs for a minute while the feeds grow twice: no 5xx, each item and each fact appended
    once, the chain intact, the audit clean."""
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        for table in ("events", "items", "checkpoints", "source_state"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    engine.dispose()
    sources = 12
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    with feed_server(items=4) as feeds:
        env = write_config(tmp_path / "cfg", sources_toml(feeds.base, sources, "3s"))
        workers = [start_worker(pg_database, tmp_path, env, f"w{n}") for n in range(2)]
        try:
            with (
                serving(pg_database, tmp_path, "--no-scheduler", env=env) as first,
                serving(pg_database, tmp_path, "--no-scheduler", env=env) as second,
            ):
                stop = threading.Event()

                def read(seed: int) -> None:
                    rng = random.Random(seed)
                    with httpx.Client(timeout=30) as client:
                        while not stop.is_set():
                            url = rng.choice((first, second)) + rng.choice(ENDPOINTS)
                            try:
                                status = client.get(url).status_code
                            except httpx.TransportError as exc:
                                failures.append(f"{url}: {exc!r}")
                                continue
                            statuses[status] += 1
                            if status >= 500:
                                failures.append(f"{url}: {status}")

                readers = [threading.Thread(target=read, args=(n,)) for n in range(6)]
                for reader in readers:
                    reader.start()
                started = time.monotonic()
                for grown, at in ((8, 20), (12, 40)):
                    time.sleep(max(0.0, started + at - time.monotonic()))  # the load's schedule
                    feeds.grow(grown)
                time.sleep(max(0.0, started + 60 - time.monotonic()))
                stop.set()
                for reader in readers:
                    reader.join(timeout=60)
                wait_for(lambda: len(_items(pg_database)) == sources * 12, 90, "every item")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(timeout=60) for worker in workers]
    assert codes == [0, 0]
    assert failures == [], failures[:10]
    assert sum(statuses.values()) > 200 and set(statuses) <= {200, 304}, statuses
    polled = {
        name: sum(1 for line in log_lines(tmp_path, name) if line.get("event") == "poll")
        for name in ("w0", "w1")
    }
    assert all(polled.values()), polled
    _exactly_once(pg_database, sources, 12)
    audit = run("audit", "verify", url=pg_database, cwd=tmp_path, timeout=300)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _running(cwd: Path, name: str) -> bool:
    return any(str(line.get("event", "")).startswith("worker running")
               for line in log_lines(cwd, name))  # fmt: skip


def _terminate_others(admin_url: str, database: str) -> int:
    """Terminate every connection to ``database`` but this one; how many were cut."""
    engine = create_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            cut = conn.exec_driver_sql(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).scalar()
        return int(cut or 0)
    finally:
        engine.dispose()


def test_connections_terminated_mid_poll_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    """A worker polling while every one of its database connections is cut again and again
    (pg_terminate_backend, mid-transaction included): it lives on, skips or fails polls without
    blaming a source for good, and once the cutting stops every item and every fact is in the
    log exactly once; the chain and ``audit verify`` pass."""
    sources = 6
    with private_postgres() as pg, feed_server(items=10) as feeds:
        url = pg.create_database("crownlog")
        env = write_config(tmp_path / "cfg", sources_toml(feeds.base, sources, "1s"))
        worker = start_worker(url, tmp_path, env, "worker")
        cuts = 0
        try:
            wait_for(lambda: sum(feeds.hits.values()) >= sources, 120, "the first polls")
            feeds.grow(40)  # new items: appends in flight while the connections are cut

            def cut_until_polls_were_hit() -> bool:
                nonlocal cuts
                cuts += _terminate_others(pg.url(), "crownlog")
                time.sleep(0.05)
                hit = [line for line in log_lines(tmp_path, "worker")
                       if line.get("event") == "poll skipped: database unavailable"]  # fmt: skip
                return len(hit) >= 3 and cuts >= 20

            wait_for(cut_until_polls_were_hit, 180, "polls cut off from the database")
            assert worker.poll() is None, "the worker died when its connections were cut"
            feeds.grow(50)
            wait_for(lambda: len(_items(url)) == sources * 50, 180, "every item after the cuts")
            assert worker.poll() is None
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=120) == 0
        _exactly_once(url, sources, 50)
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT source_id, consecutive_errors FROM source_state")
            errors = {name: count for name, count in rows if not name.startswith("hf-")}
        engine.dispose()
        assert errors == {f"s{n}": 0 for n in range(sources)}
        audit = run("audit", "verify", url=url, cwd=tmp_path, timeout=300)
        assert audit.returncode == 0, audit.stdout + audit.stderr


def test_a_worker_killed_mid_poll_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """SIGKILL a worker while its polls are in flight (fetching, extracting or appending),
    four times with new items each time; a fresh worker then brings every item and every fact
    into the log exactly once, the chain intact and ``audit verify`` clean."""
    sources = 6
    with private_postgres() as pg, feed_server(items=10, delay=0.5) as feeds:
        url = pg.create_database("crownlog")
        toml = sources_toml(feeds.base, 3, "1s") + sources_toml(
            feeds.base, 3, "1s", path="slow"
        ).replace('id = "s', 'id = "slow')
        env = write_config(tmp_path / "cfg", toml)
        # Kill after the first fetch of each round plus a pause that grows from round to round:
        # early (parsing, extracting, appending) and late (some polls committed, others not).
        for round_, (items, pause) in enumerate(((20, 0.2), (30, 1.5), (40, 3.0), (50, 5.0))):
            feeds.grow(items)
            hits = sum(feeds.hits.values())
            worker = start_worker(url, tmp_path, env, f"killed{round_}")
            try:
                wait_for(lambda h=hits: sum(feeds.hits.values()) > h, 120, "a poll in flight")
                time.sleep(pause)  # where the kill lands, not a wait for a result
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=60)
        feeds.grow(60)
        survivor = start_worker(url, tmp_path, env, "survivor")
        try:
            wait_for(lambda: len(_items(url)) == sources * 60, 180, "every item after the kills")
            wait_for(lambda: _running(tmp_path, "survivor"), 60, "the survivor's start-up")
        finally:
            survivor.send_signal(signal.SIGTERM)
            assert survivor.wait(timeout=120) == 0
        _exactly_once(url, sources, 60)
        audit = run("audit", "verify", url=url, cwd=tmp_path, timeout=300)
        assert audit.returncode == 0, audit.stdout + audit.stderr
