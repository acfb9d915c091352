"""Scale: years of the race in one log — every phase at 1M, 3M or 10M events, per database.

    python bench/scale.py [--events 1000000 3000000] [--db sqlite|postgresql] [--queries 50]

A realistic generated log (``bench.scalelog``: four boards publishing complete snapshots with
models entering and leaving — ``ScoreWithdrawn`` — and a method change a year, labs, models,
releases with weights listings, licence changes, mentions, downloads and the news items they
were read from) is appended, then each phase runs in its own child process, whose peak RSS
(``ru_maxrss`` from ``wait4``) is that of the process doing the work, not of this one:

- ``append``: crownlog's append (hash chain, idempotency keys, versions) in batches of 500,
  generating as it goes (the generator streams: its memory is a batch; only the appends are
  timed);
- ``rebuild``: the full rebuild of every projection (``crownlog replay``'s work; from 200k
  events on the crown is folded in a second process, whose peak RSS is reported apart as
  ``rebuild_crown_rss_mb``), then the as_of ladder (``ladder``);
- ``audit``: ``crownlog audit verify --json`` itself (chain, meaning, replay, comparison);
- ``past``: ``standings`` at random ``as_of`` and ``known_at`` times, p50/p99;
- ``api``: ``crownlog serve`` on 127.0.0.1, ``/standings`` and ``/crown`` over real HTTP
  (first request, then p50/p99), the server's peak RSS;
- database size per event.

One JSON line per run (``--events`` with several sizes: one line each).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import postgres_url, sqlite_url  # noqa: E402

BATCH = 500
BIN = Path(sys.executable).parent


def _child(phase: str, url: str, *args: str) -> tuple[dict[str, Any], int]:
    """Run ``phase`` in a child process; its JSON result and its peak RSS in MB."""
    command = [sys.executable, __file__, "--phase", phase, "--url", url, *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    out = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"phase {phase} failed ({process.returncode})")
    return orjson.loads(out.splitlines()[-1]), usage.ru_maxrss // 1024


# -- phases (each in its own process) ----------------------------------------------------------


def phase_append(url: str, events: int) -> dict[str, Any]:
    from bench.scalelog import generate
    from service.db import create_engine
    from service.store import EventStore

    store = EventStore(create_engine(url))
    count, seconds, batch = 0, 0.0, []
    stream = generate(events)
    while True:
        batch = list(islice(stream, BATCH))  # generating is not timed, appending is
        if not batch:
            return {"events": count, "seconds": seconds}
        began = time.perf_counter()
        count += len(store.append(batch).appended)
        seconds += time.perf_counter() - began


def phase_rebuild(url: str) -> dict[str, Any]:
    from service.db import create_engine
    from service.projections.rebuild import rebuild

    engine = create_engine(url)
    started = time.perf_counter()
    head = rebuild(engine).head
    seconds = time.perf_counter() - started
    # Peak RSS of each process of the rebuild: this one, and the crown's (``crownfold``).
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    crown = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return {"events": head, "seconds": seconds, "own_rss_mb": own, "crown_rss_mb": crown}


def phase_ladder(url: str) -> dict[str, Any]:
    from service.db import create_engine
    from service.projections import ladder

    started = time.perf_counter()
    rungs = ladder.extend(create_engine(url))
    return {"rungs": rungs, "seconds": time.perf_counter() - started}


def phase_raw(url: str) -> dict[str, Any]:
    from bench.rebuild import raw_select

    return {"per_s": raw_select(url)}


def phase_past(url: str, queries: int) -> dict[str, Any]:
    from service.clock import utcnow
    from service.db import create_engine
    from service.readmodel import ReadModel
    from service.timepoint import At

    engine = create_engine(url)
    reads = ReadModel(engine, "lmarena-text", utcnow)
    with engine.connect() as conn:
        first, last, rec_first, rec_last = conn.exec_driver_sql(
            "SELECT min(occurred_at), max(occurred_at), min(recorded_at), max(recorded_at) "
            "FROM events"
        ).one()
    times = [_time(v) for v in (first, last, rec_first, rec_last)]
    rng, latencies = random.Random(3), {"as_of": [], "known_at": []}  # type: ignore[var-annotated]
    for _ in range(queries):
        for axis, (low, high) in (("as_of", times[:2]), ("known_at", times[2:])):
            moment = low + (high - low) * rng.random()
            began = time.perf_counter()
            reads.standings(at=At(as_of=moment) if axis == "as_of" else At(known_at=moment))
            latencies[axis].append((time.perf_counter() - began) * 1000)
    return {axis: _percentiles(values) for axis, values in latencies.items()}


def _time(value: Any) -> datetime:
    from service.appendsql import stored_time

    return stored_time(value)


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p99_ms": round(p99, 1)}


# -- the driver --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api(url: str, queries: int) -> dict[str, Any]:
    """``crownlog serve`` on a free loopback port: first and repeated standings/crown reads."""
    import httpx

    port = _free_port()
    env = {**os.environ, "CROWNLOG_DATABASE_URL": url}
    server = subprocess.Popen(
        [str(BIN / "crownlog"), "serve", "--no-scheduler", "--host", "127.0.0.1", "--port",
         str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(600):
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            paths = [
                f"/api/v1/{what}?leaderboard={board}"
                for board in ("lmarena-text", "lmarena-text-style", "aa-index", "lmarena-vision")
                for what in ("standings", "crown")
            ]
            began = time.perf_counter()
            client.get(paths[0]).raise_for_status()
            result["first_ms"] = round((time.perf_counter() - began) * 1000, 1)
            for what in ("standings", "crown"):
                latencies = []
                for index in range(queries):
                    path = [p for p in paths if f"/{what}?" in p][index % 4]
                    began = time.perf_counter()
                    client.get(path).raise_for_status()
                    latencies.append((time.perf_counter() - began) * 1000)
                result[what] = _percentiles(latencies)
    finally:
        server.send_signal(signal.SIGTERM)
        _pid, _status, usage = os.wait4(server.pid, 0)
        server.returncode = 0
    result["rss_mb"] = usage.ru_maxrss // 1024
    return result


def _db_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from service.db import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        size = int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())
    engine.dispose()
    return size


def _rate(events: int, seconds: float) -> int:
    return round(events / seconds) if seconds else 0


def run(db: str, events: int, queries: int) -> dict[str, Any]:
    make = sqlite_url if db == "sqlite" else postgres_url
    with make() as url:
        if url is None:
            raise SystemExit("PostgreSQL: set CROWNLOG_BENCH_POSTGRES_URL")
        line: dict[str, Any] = {"bench": "scale", "db": db}
        print(f"{db} {events:,}: append …", file=sys.stderr)
        appended, rss = _child("append", url, "--events", str(events))
        total = appended["events"]
        line.update(events=total, append_s=round(appended["seconds"], 1))
        line.update(append_events_per_s=_rate(total, appended["seconds"]), append_rss_mb=rss)
        print("raw select …", file=sys.stderr)
        line["raw_select_per_s"] = round(_child("raw", url)[0]["per_s"])
        print("rebuild …", file=sys.stderr)
        rebuilt, rss = _child("rebuild", url)
        line.update(rebuild_s=round(rebuilt["seconds"], 1), rebuild_rss_mb=rebuilt["own_rss_mb"])
        line["rebuild_crown_rss_mb"] = rebuilt["crown_rss_mb"]  # 0: folded in one process
        line["rebuild_events_per_s"] = _rate(total, rebuilt["seconds"])
        print("as_of ladder …", file=sys.stderr)
        ladder, rss = _child("ladder", url)
        line.update(ladder_s=round(ladder["seconds"], 1), ladder_rss_mb=rss)
        print("audit verify …", file=sys.stderr)
        line.update(_audit(url, total))
        print("past reads …", file=sys.stderr)
        past, rss = _child("past", url, "--queries", str(queries))
        for axis, figures in past.items():
            line.update({f"{axis}_{k}": v for k, v in figures.items()})
        line["past_rss_mb"] = rss
        print("API …", file=sys.stderr)
        api = _api(url, queries * 4)
        line.update(api_first_ms=api["first_ms"], api_rss_mb=api["rss_mb"])
        for what in ("standings", "crown"):
            line.update({f"api_{what}_{k}": v for k, v in api[what].items()})
        line["db_bytes_per_event"] = round(_db_bytes(url) / max(total, 1))
        return line


def _audit(url: str, total: int) -> dict[str, Any]:
    env = {**os.environ, "CROWNLOG_DATABASE_URL": url}
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "crownlog"), "audit", "verify", "--json"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    report = orjson.loads(out.splitlines()[-1]) if out else {}
    return {
        "audit_s": round(seconds, 1),
        "audit_events_per_s": _rate(total, seconds),
        "audit_ok": bool(report.get("ok")),
        "audit_rss_mb": usage.ru_maxrss // 1024,
    }


@contextmanager
def _quiet() -> Iterator[None]:
    os.environ.setdefault("CROWNLOG_LOG_LEVEL", "warning")
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phases = {
            "append": lambda: phase_append(args.url, args.events[0]),
            "rebuild": lambda: phase_rebuild(args.url),
            "ladder": lambda: phase_ladder(args.url),
            "raw": lambda: phase_raw(args.url),
            "past": lambda: phase_past(args.url, args.queries),
        }
        print(orjson.dumps(phases[args.phase]()).decode())
        return
    with _quiet():
        for events in args.events:
            print(orjson.dumps(run(args.db, events, args.queries)).decode(), flush=True)


if __name__ == "__main__":
    main()
