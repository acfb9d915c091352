"""Read API throughput: ``GET /api/v1/standings`` next to the bare ``GET /api/v1/ping`` of the
same app, at 64 concurrent connections, against a real ``crownlog serve`` on SQLite.

    python bench/api.py [--seconds 10] [--connections 64] [--rows 200]

The database holds the race of ``tests.apidata`` (polled for real) plus one leaderboard
snapshot of ``--rows`` models, the size of LMArena's text board. Load comes from ``wrk`` when
it is installed, else from an asyncio/httpx generator. Prints a table and one JSON line;
target: standings at least half the bare route's requests/s, and p99 under 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service.bootstrap import build
from tests import apidata
from tests.server import serving

ROUTES = {"ping": "/api/v1/ping", "standings": "/api/v1/standings"}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def big_snapshot(directory: Path, url: str, rows: int) -> None:
    """Poll one more snapshot of ``rows`` models (the race's leaders keep their scores)."""
    leaders = apidata.SNAPSHOTS["2025-08-15"]
    records = [{"model": m, "score": s, "license": lic} for m, s, lic, _ci in leaders]
    for n in range(max(0, rows - len(records))):
        licence = "Proprietary" if n % 3 == 0 else "Apache 2.0"
        records.append(
            {"model": f"bench-model-{n:03d}", "score": 1370 - n * 0.5, "license": licence}
        )
    path = directory / "arena-big.json"
    path.write_bytes(orjson.dumps({"as_of": "2025-08-20T00:00:00Z", "rows": records}))
    services = build(apidata.settings(url, directory))
    ingestion = build_ingestion(services)
    try:
        source = SourceConfig(
            id="arena-big", kind="leaderboard", url=path.as_uri(), leaderboard=apidata.BOARD
        )
        assert ingestion.poller.poll(source).status == "ok"
    finally:
        ingestion.close()
        services.close()


def run_wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    """requests/s, p50 and p99 (ms) from ``wrk --latency``."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = {
        int(p): float(v) * _UNITS[unit]
        for p, v, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses")
    return {"rps": rps, "p50_ms": percentiles[50], "p99_ms": percentiles[99]}


async def _load(url: str, seconds: int, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < end:
                started = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker() for _ in range(connections)))
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
    }


def measure(url: str, seconds: int, connections: int) -> dict[str, float]:
    if shutil.which("wrk"):
        return run_wrk(url, seconds, connections)
    return asyncio.run(_load(url, seconds, connections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") else "httpx"
    with tempfile.TemporaryDirectory(prefix="crownlog-bench-api-") as folder:
        directory = Path(folder)
        with apidata.race_database("sqlite", directory) as url:
            big_snapshot(directory, url, args.rows)
            env = {"CROWNLOG_CATALOG": str(apidata.CATALOG)}
            with serving(url, directory, "--no-scheduler", env=env) as base:
                rows = len(httpx.get(f"{base}{ROUTES['standings']}").json()["rows"])
                figures = {}
                for name, path in ROUTES.items():
                    measure(f"{base}{path}", 2, args.connections)  # warm up
                    figures[name] = measure(f"{base}{path}", args.seconds, args.connections)
    ratio = figures["standings"]["rps"] / figures["ping"]["rps"]
    table: list[list[object]] = [
        [name, f"{f['rps']:.0f}", f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}"]
        for name, f in figures.items()
    ]
    report(
        f"GET {ROUTES['standings']} ({rows} rows) vs {ROUTES['ping']}: "
        f"{args.connections} connections, {args.seconds} s each, {tool}, SQLite",
        ["route", "requests/s", "p50 ms", "p99 ms"],
        table,
        {
            "bench": "api",
            "tool": tool,
            "connections": args.connections,
            "seconds": args.seconds,
            "standings_rows": rows,
            **{
                f"{name}_{key}": round(value, 2)
                for name, f in figures.items()
                for key, value in f.items()
            },
            "standings_to_ping": round(ratio, 3),
            "target_met": ratio >= 0.5 and figures["standings"]["p99_ms"] < 25,
        },
    )


if __name__ == "__main__":
    main()
