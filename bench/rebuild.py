"""Full rebuild and past reads on a generated log (default 1,000,000 events) in SQLite.

    python bench/rebuild.py [--events 1000000] [--queries 50]

Measures, in one run: a raw ``SELECT`` of every row (the floor), crownlog's full rebuild of
every projection (read + decode + fold + store the rows), and the latency of
``standings --as-of`` / ``--known-at`` at random times against a full replay. Prints a table
and one JSON line.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from bench.rebuild_folds import generate
from service import appendsql, migrate
from service.clock import utcnow
from service.db import WRITE, create_engine
from service.projections import ladder
from service.projections.rebuild import rebuild
from service.readmodel import ReadModel
from service.timepoint import At


def load(url: str, count: int) -> int:
    engine = create_engine(url)
    migrate.upgrade(engine)
    print(f"generating {count:,} events …", file=sys.stderr)
    events = generate(count)
    print(f"inserting {len(events):,} events …", file=sys.stderr)
    with engine.connect() as conn, conn.execution_options(**WRITE).begin():
        for start in range(0, len(events), 20_000):
            appendsql.insert_rows(conn, appendsql.rows_for(conn, events[start : start + 20_000]))
    engine.dispose()
    return len(events)


def raw_select(url: str) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = sum(1 for _row in conn.exec_driver_sql("SELECT * FROM events"))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return rows / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crownlog-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'rebuild.db'}"
        total = load(url, args.events)
        print("raw select …", file=sys.stderr)
        raw = raw_select(url)
        engine = create_engine(url)
        print("full rebuild …", file=sys.stderr)
        started = time.perf_counter()
        rebuild(engine)
        rebuild_s = time.perf_counter() - started
        print("as_of ladder …", file=sys.stderr)
        started = time.perf_counter()
        ladder.extend(engine)
        ladder_s = time.perf_counter() - started
        reads = ReadModel(engine, "lmarena-text", utcnow)
        with engine.connect() as conn:
            first, last = conn.exec_driver_sql(
                "SELECT min(occurred_at), max(occurred_at) FROM events WHERE occurred_at > '2000'"
            ).one()
            rec_first, rec_last = conn.exec_driver_sql(
                "SELECT min(recorded_at), max(recorded_at) FROM events"
            ).one()
        rng = random.Random(3)
        start_at, end_at = datetime.fromisoformat(first), datetime.fromisoformat(last)
        span = (end_at - start_at).total_seconds()
        recorded_first = datetime.fromisoformat(rec_first)
        rec_span = (datetime.fromisoformat(rec_last) - recorded_first).total_seconds()
        latencies: dict[str, list[float]] = {"as_of": [], "known_at": []}
        print(f"{args.queries} past reads per axis …", file=sys.stderr)
        for _ in range(args.queries):
            moment = start_at + timedelta(seconds=rng.uniform(0, span))
            began = time.perf_counter()
            reads.standings(at=At(as_of=moment))
            latencies["as_of"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            reads.standings(
                at=At(known_at=recorded_first + timedelta(seconds=rng.uniform(0, rec_span)))
            )
            latencies["known_at"].append((time.perf_counter() - began) * 1000)
    rate = total / rebuild_s
    rows = [
        ["raw SELECT of every row", f"{raw:,.0f} ev/s", ""],
        ["full rebuild (all projections)", f"{rate:,.0f} ev/s", f"{rebuild_s:.1f} s"],
        ["rebuild / raw SELECT (same run)", f"{rate / raw:.2f}", ""],
        ["as_of ladder (built after)", f"{total / ladder_s:,.0f} ev/s", f"{ladder_s:.1f} s"],
    ]
    summary: dict[str, object] = {
        "bench": "rebuild", "events": total, "rebuild_events_per_s": round(rate),
        "raw_select_per_s": round(raw), "rebuild_vs_raw": round(rate / raw, 3),
    }  # fmt: skip
    for axis, values in latencies.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        rows.append([f"standings {axis}= (random)", f"p50 {p50:.0f} ms", f"p99 {p99:.0f} ms"])
        summary[f"{axis}_p50_ms"] = round(p50, 1)
        summary[f"{axis}_p99_ms"] = round(p99, 1)
    report(f"rebuild and past reads on {total:,} events (SQLite)", ["what", "rate", "time"],
           rows, summary)  # fmt: skip


if __name__ == "__main__":
    main()
