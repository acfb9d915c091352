"""Benchmark: a full rebuild of every projection fold from ~300k events held in memory.

A year of the race: 12 labs, 50 models, 3 leaderboards publishing a snapshot every 6 hours
(two method changes each), news mentions, download counts, a few license changes, and the
first month of one board backfilled at the end (as ``crownlog backfill`` would append it).
Prints a table and one JSON line: ``{"bench": "folds", "events": N, "events_per_s": R}``.

    .venv/bin/python bench/rebuild_folds.py [--events 300000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from service.chain import compute_hash
from service.clock import format_time
from service.events import GENESIS_HASH, Provenance, StoredEvent
from service.projections import crown
from service.projections.digest import HANDLERS, digests, fold_all, initial_states

START = datetime(2025, 1, 1, tzinfo=UTC)
BOARDS = ("lmarena-text", "lmarena-text-style", "aa-index")
CITIES = ("Beijing", "Hangzhou", "Shanghai", "Shenzhen", "Paris", "San Francisco")
MODELS = tuple(f"model-{i:02d}" for i in range(50))
ROWS_PER_SNAPSHOT = 45
Item = tuple[str, dict[str, Any], datetime]


def _stream(type_name: str, data: dict[str, Any]) -> str:
    if type_name.startswith("Lab"):
        return f"lab:{data['slug']}"
    if "leaderboard" in data:
        return f"leaderboard:{data['leaderboard']}"
    return f"model:{data.get('model') or data['slug']}"


def _license(model: str) -> str:
    return "Proprietary" if MODELS.index(model) % 5 == 0 else "Apache-2.0"


class Writer:
    """Appends events with positions, versions and a real hash chain."""

    def __init__(self) -> None:
        self.events: list[StoredEvent] = []
        self.versions: dict[str, int] = {}

    def add(self, type_name: str, data: dict[str, Any], when: datetime) -> None:
        stream, position = _stream(type_name, data), len(self.events) + 1
        version = self.versions[stream] = self.versions.get(stream, 0) + 1
        prev = self.events[-1] if self.events else None
        recorded = max(when + timedelta(minutes=5), prev.recorded_at if prev else when)
        prev_hash = prev.hash if prev else GENESIS_HASH
        source = Provenance("bench", f"item-{position}")
        envelope = {
            "position": position,
            "stream": stream,
            "version": version,
            "type": type_name,
            "schema": 1,
            "data": data,
            "occurred_at": format_time(when),
            "recorded_at": format_time(recorded),
            "source": source.to_dict(),
            "key": f"k{position}",
            "prev_hash": prev_hash,
        }
        self.events.append(
            StoredEvent(position, stream, version, type_name, 1, data, when, recorded, source,
                        f"k{position}", prev_hash, compute_hash(envelope))
        )  # fmt: skip


def _catalog(log: Writer, rng: random.Random) -> list[Item]:
    """Register labs and models now; return their releases (some before the year starts)."""
    labs = [f"lab-{i:02d}" for i in range(12)]
    for i, lab in enumerate(labs):
        city = CITIES[i % len(CITIES)]
        log.add("LabRegistered", {"slug": lab, "name": lab.title(), "city": city}, START)
    releases: list[Item] = []
    for i, model in enumerate(MODELS):
        log.add("ModelRegistered", {"slug": model, "name": model, "lab": labs[i % 12]}, START)
        released = START + timedelta(days=rng.randint(-200, 300))
        data = {"model": model, "released_at": format_time(released), "license": _license(model)}
        releases.append(("ModelReleased", {**data, "confidence": 0.9}, released))
        size = {"model": model, "params_total": 10**9 * rng.randint(7, 1000)}
        releases.append(("ModelSpecReported", size, released))
    return sorted(releases, key=lambda item: item[2], reverse=True)


def _snapshot(rng: random.Random, skill: dict[str, float], board: str, method: str,
              when: datetime) -> list[Item]:  # fmt: skip
    rows = []
    for model in rng.sample(MODELS, ROWS_PER_SNAPSHOT):
        skill[model] += rng.gauss(0, 0.8)
        value = round(skill[model], 1)
        data = {"model": model, "leaderboard": board, "method": method, "value": value,
                "as_of": format_time(when), "ci_low": round(value - 4.5, 1),
                "ci_high": round(value + 4.5, 1), "license": _license(model)}  # fmt: skip
        rows.append(("ScoreReported", data, when))
    return rows


def _news(log: Writer, rng: random.Random, when: datetime, count: int) -> None:
    for _ in range(count):
        model, moment = rng.choice(MODELS), when + timedelta(minutes=rng.randint(0, 359))
        if rng.random() < 0.8:
            log.add("ModelMentioned", {"model": model, "snippet": "…", "confidence": 0.8}, moment)
        else:
            log.add(
                "DownloadsReported", {"model": model, "downloads": rng.randint(0, 10**6)}, moment
            )


def generate(target: int, seed: int = 7) -> list[StoredEvent]:
    """About ``target`` events of a simulated year, in append order."""
    rng, log = random.Random(seed), Writer()
    releases = _catalog(log, rng)  # newest first, popped as the year reaches them
    skill = {model: rng.uniform(1250, 1450) for model in MODELS}
    snapshots = max(12, int(target * 0.66) // (len(BOARDS) * ROWS_PER_SNAPSHOT))
    news_per_snapshot = int(target * 0.3 / snapshots)
    backfill: list[Item] = []
    for step in range(snapshots):
        when = START + timedelta(hours=6 * step)
        while releases and releases[-1][2] <= when:
            log.add(*releases.pop())
        method = f"v{1 + (step * 3) // snapshots}"
        for board in BOARDS:
            if step and method != f"v{1 + ((step - 1) * 3) // snapshots}":
                log.add("LeaderboardMethodChanged", {"leaderboard": board, "method": method}, when)
            rows = _snapshot(rng, skill, board, method, when)
            if board == "aa-index" and step < snapshots // 12:
                backfill.extend(rows)  # its first month arrives last, from an archive
            else:
                for row in rows:
                    log.add(*row)
        _news(log, rng, when, news_per_snapshot)
        if step % 400 == 399:
            closing = {"model": rng.choice(MODELS), "license": "Proprietary"}
            log.add("ModelLicenseChanged", closing, when)
    for row in backfill:
        log.add(*row)
    return log.events


def _timed(run: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def _fold_one(name: str, events: list[StoredEvent]) -> Callable[[], Any]:
    def run() -> Any:
        state = initial_states()[name]
        handlers = HANDLERS[name]
        for event in events:
            handler = handlers.get(event.type)
            if handler is not None:
                handler(state, event)
        if name == "crown":
            crown.settle(state)
        return state

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    events = generate(args.events)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.type] = counts.get(event.type, 0) + 1
    rows = [(name, _timed(_fold_one(name, events), args.repeat)) for name in HANDLERS]
    total = _timed(lambda: fold_all(events), args.repeat)
    states = fold_all(events)
    digest_s = _timed(lambda: digests(states), 1)
    print(f"events: {len(events)}  " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print(f"{'fold':<16}{'seconds':>10}{'events/s':>14}")
    for name, seconds in rows:
        print(f"{name:<16}{seconds:>10.3f}{len(events) / seconds:>14,.0f}")
    print(f"{'all (fold_all)':<16}{total:>10.3f}{len(events) / total:>14,.0f}")
    print(f"{'digests':<16}{digest_s:>10.3f}")
    line = {"bench": "folds", "events": len(events), "events_per_s": round(len(events) / total)}
    print(orjson.dumps(line).decode())


if __name__ == "__main__":
    main()
