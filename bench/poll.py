"""Poll throughput: one cycle over N loopback feed sources (20 items each), then the next
cycle when every source answers 304, with peak memory.

    python bench/poll.py [--sources 1000] [--items 20] [--threads 16]

The feeds come from a real HTTP server on 127.0.0.1 in a separate process; polls go through
the real fetcher, the sandboxed parser and the SQLite store. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from jobs.fetch.fetcher import Fetcher, FetchSettings
from jobs.fetch.sandbox import ParseSandbox
from jobs.poll import Poller
from jobs.schedule.sourcefile import SourceConfig, parse_every
from service import migrate
from service.bootstrap import projectors
from service.db import create_engine
from service.logs import configure_logging
from service.store import EventStore
from tests.feedserver import serve_in_process


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the peak resident sets (VmHWM) of ``pids``."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split()[3]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, IndexError, ValueError):
                continue
    return found


def cycle(poller: Poller, sources: list[SourceConfig], threads: int) -> tuple[float, dict]:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(poller.poll, sources))
    elapsed = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    statuses["appended"] = sum(o.appended for o in outcomes)
    return elapsed, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    configure_logging("json", "warning")
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_in_process, args=(args.items, queue), daemon=True)
    server.start()
    base = queue.get(timeout=30)
    with tempfile.TemporaryDirectory(prefix="crownlog-bench-") as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'poll.db'}")
        migrate.upgrade(engine)
        every = parse_every("1s")
        sources = [
            SourceConfig(id=f"s{n}", kind="feed", url=f"{base}/feed/{n}.xml", every=every)
            for n in range(args.sources)
        ]
        sandbox = ParseSandbox(workers=2)
        fetcher = Fetcher(FetchSettings())
        poller = Poller(EventStore(engine, projectors=projectors()), fetcher, sandbox)
        print(f"first cycle over {args.sources} sources …", file=sys.stderr)
        first, first_status = cycle(poller, sources, args.threads)
        print("second cycle (all 304) …", file=sys.stderr)
        second, second_status = cycle(poller, sources, args.threads)
        rss = peak_rss_mb([os.getpid(), *children(os.getpid())])
        sandbox.close()
        fetcher.close()
    server.terminate()
    rows = [
        ["first (200)", f"{first:.1f}", str(first_status)],
        ["next (304)", f"{second:.1f}", str(second_status)],
    ]
    report(
        f"poll: {args.sources} loopback sources × {args.items} items, {args.threads} threads",
        ["cycle", "seconds", "outcomes"],
        rows,
        {
            "bench": "poll",
            "sources": args.sources,
            "items": args.items,
            "first_cycle_s": round(first, 2),
            "not_modified_cycle_s": round(second, 2),
            "peak_rss_mb": round(rss, 1),
            "appended": first_status["appended"],
        },
    )
    print(f"peak RSS (crownlog process + parse workers): {rss:.0f} MB")


if __name__ == "__main__":
    main()
