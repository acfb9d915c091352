"""Append throughput: crownlog's append (hash chain + idempotency keys, batches of 100) next to
a raw ``executemany`` insert of the same rows, on SQLite and PostgreSQL, in one run (the two
alternate in ten slices, so the machine's load weighs on both alike).

    python bench/append.py [--events 100000] [--batch 100]

PostgreSQL is measured when CROWNLOG_BENCH_POSTGRES_URL (or CROWNLOG_TEST_POSTGRES_URL) names
a server. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from sqlalchemy.engine import Engine

from bench import eventsourcing_ref
from bench.common import postgres_url, report, sqlite_url
from service.db import WRITE, create_engine
from service.events import NewEvent, Provenance
from service.store import EventStore

T0 = datetime(2025, 7, 1, tzinfo=UTC)


def make_events(count: int) -> list[NewEvent]:
    """Realistic mentions spread over 200 model streams, each with provenance and a key."""
    return [
        NewEvent(
            stream=f"model:m{n % 200}",
            type="ModelMentioned",
            data={
                "model": f"m{n % 200}",
                "snippet": f"GLM-4.5 is a 355B-parameter MoE model (#{n})",
                "item_id": f"item-{n // 5}",
                "confidence": 0.7,
            },
            occurred_at=T0 + timedelta(seconds=n),
            source=Provenance("bench-news", f"item-{n // 5}", f"https://e.org/{n // 5}", "0" * 64),
            key=f"bench|item-{n // 5}|mention|{n}",
        )
        for n in range(count)
    ]


def crownlog_append(url: str, events: list[NewEvent], batch: int) -> float:
    store = EventStore(create_engine(url))
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        store.append(events[start : start + batch])
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return len(events) / elapsed


def raw_rows(events: list[NewEvent]) -> list[tuple[object, ...]]:
    """The same rows as driver tuples (no chain: zero hashes, ``raw``-prefixed keys)."""
    return [
        (
            n + 1,
            e.stream,
            n + 1,
            e.type,
            1,
            orjson.dumps(e.data).decode(),
            e.occurred_at.isoformat(),
            e.occurred_at.isoformat(),
            orjson.dumps(e.source.to_dict() if e.source else None).decode(),
            "raw" + (e.key or ""),
            "0" * 64,
            "0" * 64,
        )
        for n, e in enumerate(events)
    ]


def _raw_sql(engine: Engine) -> str:
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    cast = "" if sqlite else "::jsonb"
    return (
        "INSERT INTO events (position, stream, version, type, schema, data, occurred_at, "
        "recorded_at, source, key, prev_hash, hash) VALUES "
        f"({mark}, {mark}, {mark}, {mark}, {mark}, {mark}{cast}, {mark}, {mark}, {mark}{cast}, "
        f"{mark}, {mark}, {mark})"
    )


def raw_insert(url: str, events: list[NewEvent], batch: int) -> float:
    """The floor: the same rows through one executemany per batch, no chain, no key check."""
    engine = create_engine(url)
    sql, rows = _raw_sql(engine), raw_rows(events)
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        with engine.connect() as conn, conn.execution_options(**WRITE).begin():
            conn.exec_driver_sql(sql, rows[start : start + batch])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(rows) / elapsed


def side_by_side(
    ours_url: str, raw_url: str, events: list[NewEvent], batch: int, rounds: int = 10
) -> tuple[float, float]:
    """``(crownlog ev/s, raw ev/s)`` measured in alternating slices of the same rows, so a
    change in the machine's load (other processes) weighs on both alike."""
    store, engine = EventStore(create_engine(ours_url)), create_engine(raw_url)
    sql, rows = _raw_sql(engine), raw_rows(events)
    ours_s = raw_s = 0.0
    size = -(-len(events) // rounds // batch) * batch
    for first in range(0, len(events), size):
        started = time.perf_counter()
        for start in range(first, min(first + size, len(events)), batch):
            store.append(events[start : start + batch])
        ours_s += time.perf_counter() - started
        started = time.perf_counter()
        for start in range(first, min(first + size, len(rows)), batch):
            with engine.connect() as conn, conn.execution_options(**WRITE).begin():
                conn.exec_driver_sql(sql, rows[start : start + batch])
        raw_s += time.perf_counter() - started
    store.engine.dispose()
    engine.dispose()
    return len(events) / ours_s, len(rows) / raw_s


def _reference(name: str, events: list[NewEvent], batch: int, make_url: object) -> float | None:
    """The reference library on the same rows, when the bench extra is installed."""
    if not eventsourcing_ref.available():
        print("(eventsourcing not installed: pip install -e '.[bench]')", file=sys.stderr)
        return None
    print(f"{name}: eventsourcing 9.5 …", file=sys.stderr)
    if name == "sqlite":
        return eventsourcing_ref.sqlite_rate(events, batch)
    with make_url() as url:  # type: ignore[operator]
        return eventsourcing_ref.postgres_rate(events, batch, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    events = make_events(args.events)
    rows: list[list[object]] = []
    summary: dict[str, object] = {"bench": "append", "events": args.events, "batch": args.batch}
    for name, make_url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
        with make_url() as url, make_url() as raw_url:
            if url is None or raw_url is None:
                continue
            print(f"{name}: crownlog append and raw executemany, alternating …", file=sys.stderr)
            ours, raw = side_by_side(url, raw_url, events, args.batch)
        reference = _reference(name, events, args.batch, make_url)
        rows.append(
            [name, f"{ours:,.0f}", f"{raw:,.0f}", f"{ours / raw:.2f}",
             f"{reference:,.0f}" if reference else "not installed"]
        )  # fmt: skip
        summary[f"{name}_events_per_s"] = round(ours)
        summary[f"{name}_raw_events_per_s"] = round(raw)
        if reference:
            summary[f"{name}_eventsourcing_events_per_s"] = round(reference)
    report(
        f"append: {args.events:,} events in batches of {args.batch} (chain + idempotency keys)",
        ["database", "crownlog ev/s", "raw insert ev/s", "ratio", "eventsourcing 9.5 ev/s"],
        rows,
        summary,
    )


if __name__ == "__main__":
    main()
