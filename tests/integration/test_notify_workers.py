"""Notifications delivered by real ``crownlog worker`` / ``serve`` processes."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import httpx
import sqlalchemy as sa

from service.bootstrap import projectors
from service.db import create_engine
from service.schema import notify_targets
from service.store import EventStore
from tests.conftest import _empty, settings_toml
from tests.notifydata import SECRET
from tests.race import catalog, days, snapshot
from tests.receiver import Receiver, receiver
from tests.server import serving
from tests.workers import log_lines, start_worker, wait_for

LEADERS = ("kimi-k2", "deepseek-r1-0528", "glm-4.5")


def _config(folder: Path, hook: Receiver, log_format: str = "json") -> dict[str, str]:
    """A config folder with no sources and one webhook target wanting crown changes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.toml").write_text("")
    (folder / "crownlog.toml").write_text(
        settings_toml(log_format=log_format)
        + '\n[fetch]\nallow_private = true\n[crown]\nweights = "claimed"\n'
        + "\n[[notify]]\n"
        + f'name = "desk"\nevents = ["crown"]\nwebhook = "{hook.url}"\nsecret = "{SECRET}"\n'
        + "timeout = 60\nretry_initial = 0.2\nretry_max = 1\n"
    )
    return {"CROWNLOG_CONFIG": str(folder / "crownlog.toml")}


def _target_ready(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(notify_targets.c.name)).first() is not None


def _crown_change(store: EventStore, n: int) -> int:
    """Append one snapshot whose leader differs from the last one's; return its position."""
    leader = LEADERS[n % len(LEADERS)]
    scores = {model: 1400.0 + n for model in LEADERS}
    scores[leader] = 1450.0 + n
    return store.append(snapshot(days("2025-06-01", n), scores)).appended[-1].position


def test_a_worker_killed_mid_delivery_sends_it_again_after_restart(tmp_path: Path) -> None:
    """SIGKILL while a delivery is in flight: after a restart every delivery arrives, each
    once, and the interrupted one is sent again with the same id (at least once)."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with receiver() as hook:
        env = _config(tmp_path / "cfg", hook)
        first = start_worker(url, tmp_path, env, "w1")
        store = EventStore(create_engine(url), projectors=projectors())
        try:
            wait_for(lambda: _target_ready(store.engine), 60, "the target to start")
            store.append(catalog())
            held = _crown_change(store, 0)
            hook.hold(str(held))
            wait_for(hook.holding.is_set, 30, "the first delivery to be in flight")
            later = [_crown_change(store, n) for n in (1, 2)]
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        hook.release.set()
        second = start_worker(url, tmp_path, env, "w2")
        try:
            expected = [str(p) for p in (held, *later)]
            wait_for(lambda: len(hook.delivered()) >= 3, 60, "three deliveries")
            wait_for(lambda: _cursor(store.engine) >= later[-1], 30, "the cursor to move")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
    assert [got.delivery for got in hook.delivered()] == expected
    assert [got.json["alerts"][0]["event"] for got in hook.delivered()] == ["crown"] * 3


def _cursor(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(notify_targets.c.position)).scalar() or 0)


def test_two_workers_on_postgres_deliver_each_event_once(pg_database: str, tmp_path: Path) -> None:
    """Two workers follow one PostgreSQL log: every crown change is delivered exactly once."""
    engine = create_engine(pg_database)
    _empty(engine)
    store = EventStore(engine, projectors=projectors())
    with receiver() as hook:
        env = _config(tmp_path / "cfg", hook)
        workers = [start_worker(pg_database, tmp_path, env, f"w{n}") for n in range(2)]
        try:
            wait_for(lambda: _target_ready(engine), 60, "the target to start")
            store.append(catalog())
            positions = [_crown_change(store, n) for n in range(12)]
            wait_for(lambda: _cursor(engine) >= positions[-1], 90, "every delivery")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(timeout=60) for worker in workers]
    assert codes == [0, 0]
    counts = Counter(got.delivery for got in hook.delivered())
    assert counts == Counter(str(p) for p in positions)
    for name in ("w0", "w1"):
        events = [line.get("event") for line in log_lines(tmp_path, name)]
        assert "notify follower started" in events


def test_serve_with_its_scheduler_delivers_and_metrics_count(tmp_path: Path) -> None:
    """``serve`` runs the follower too, and /metrics counts the deliveries."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    with receiver() as hook:
        env = _config(tmp_path / "cfg", hook)
        with serving(url, tmp_path, env=env) as base:
            store = EventStore(create_engine(url), projectors=projectors())
            wait_for(lambda: _target_ready(store.engine), 60, "the target to start")
            store.append(catalog())
            _crown_change(store, 0)
            wait_for(lambda: len(hook.delivered()) == 1, 60, "the delivery")
            text = httpx.get(f"{base}/metrics", timeout=10).text
    assert 'crownlog_notify_deliveries_total{outcome="delivered",target="desk"} 1.0' in text
    assert 'crownlog_notify_consecutive_errors{target="desk"} 0.0' in text


def test_cli_test_log_and_replay(tmp_path: Path) -> None:
    """``notify test`` sends a sample, ``notify log --json`` lists it, a bad name exits 2."""
    import orjson

    from tests.cli import run

    url = f"sqlite:///{tmp_path / 'c.db'}"
    with receiver() as hook:
        env = _config(tmp_path / "cfg", hook)
        sent = run("notify", "test", "desk", url=url, cwd=tmp_path, env=env)
        assert sent.returncode == 0, sent.stderr
        [got] = hook.delivered()
        assert got.json["test"] is True and got.delivery.startswith("test-")
        hook.answer(503, 503, 503)
        failed = run("notify", "test", "desk", url=url, cwd=tmp_path, env=env)
        assert failed.returncode == 1 and "HTTP 503" in failed.stderr
        listing = run("notify", "log", "--json", url=url, cwd=tmp_path, env=env)
        items = orjson.loads(listing.stdout)["items"]
        assert [(i["kind"], i["outcome"]) for i in items] == [
            ("test", "failed"),
            ("test", "delivered"),
        ]
        unknown = run(
            "notify", "replay", "nobody", "--from", "2025-01-01", url=url, cwd=tmp_path, env=env
        )
        assert unknown.returncode == 2 and "no [[notify]] target named 'nobody'" in unknown.stderr
        replayed = run(
            "notify", "replay", "desk", "--from", "2025-01-01", url=url, cwd=tmp_path, env=env
        )
        assert replayed.returncode == 0 and "re-sent 0 deliveries" in replayed.stdout
