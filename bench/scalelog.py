"""A realistic generated log for ``bench/scale.py``, streamed (memory: one tick of events).

Every two hours of world time, four boards publish a complete snapshot of the models they
list: the strongest of the active models by a drifting skill, so models enter, climb, fall and
leave — a model a board no longer lists gets a ``ScoreWithdrawn``. New models arrive (a lab
registered on first use, the model, its release — a third with a weights repository, verified
later — and its size) and old ones retire; each board changes method once a year; licences
change now and then; news items are observed (``ItemObserved``, the largest payloads) and the
mentions read from them appended, with download counts. About three events in four are scores.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from service.clock import format_time
from service.events import NewEvent, Provenance

START = datetime(2024, 1, 1, tzinfo=UTC)
TICK = timedelta(hours=2)
#: About how many events one tick appends (four board snapshots, news, new models).
EVENTS_PER_TICK = 240
#: Board -> how many models each snapshot lists.
BOARDS = {"lmarena-text": 60, "lmarena-text-style": 60, "aa-index": 40, "lmarena-vision": 30}
CITIES = ("Beijing", "Hangzhou", "Shanghai", "Shenzhen", "Paris", "San Francisco", "London")
LABS = tuple(f"lab-{i:02d}" for i in range(40))
TICKS_PER_YEAR = 365 * 12


class _World:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.skill: dict[str, float] = {}
        self.born: dict[str, int] = {}
        self.open: dict[str, bool] = {}
        self.labs: set[str] = set()
        self.listed: dict[str, dict[str, float]] = {board: {} for board in BOARDS}
        self.method = dict.fromkeys(BOARDS, "v1")
        self.models = 0
        self.items = 0

    def new_model(self, tick: int, when: datetime) -> Iterator[NewEvent]:
        rng, number = self.rng, self.models
        self.models += 1
        model, lab = f"model-{number:05d}", LABS[number % len(LABS)]
        if lab not in self.labs:
            self.labs.add(lab)
            city = CITIES[len(self.labs) % len(CITIES)]
            yield _event(f"lab:{lab}", "LabRegistered",
                         {"slug": lab, "name": lab.title(), "city": city}, when)  # fmt: skip
        is_open = rng.random() < 0.5
        self.skill[model], self.born[model], self.open[model] = rng.gauss(1300, 40), tick, is_open
        yield _event(f"model:{model}", "ModelRegistered",
                     {"slug": model, "name": model.title(), "lab": lab}, when)  # fmt: skip
        release: dict[str, object] = {
            "model": model, "released_at": format_time(when),
            "license": "Apache-2.0" if is_open else "Proprietary", "confidence": 0.9,
            "evidence": f"{model} is out today",
        }  # fmt: skip
        if is_open and rng.random() < 0.6:
            release["repo"] = f"{lab}/{model}"
        yield _event(f"model:{model}", "ModelReleased", release, when)
        if "repo" in release:
            repo = {"model": model, "repo": release["repo"], "created_at": format_time(when)}
            yield _event(f"model:{model}", "WeightsRepoVerified", repo, when + TICK / 2)
        size = {"model": model, "params_total": 10**9 * rng.randint(7, 1000), "confidence": 0.8}
        yield _event(f"model:{model}", "ModelSpecReported", size, when)

    def active(self, tick: int) -> list[str]:
        # Models stay about two years, then retire.
        return [m for m, born in self.born.items() if tick - born < 2 * TICKS_PER_YEAR]

    def snapshot(self, board: str, tick: int, when: datetime) -> Iterator[NewEvent]:
        rng, size = self.rng, BOARDS[board]
        active = self.active(tick)
        for model in active:
            self.skill[model] += rng.gauss(0.02, 0.6)
        chosen = sorted(active, key=lambda m: -self.skill[m])[:size]
        method, as_of = self.method[board], format_time(when)
        listed = {}
        for rank, model in enumerate(chosen, 1):
            value = round(self.skill[model] + (40 if board == "aa-index" else 0), 1)
            listed[model] = value
            data: dict[str, object] = {
                "model": model, "leaderboard": board, "method": method, "value": value,
                "as_of": as_of, "ci_low": round(value - 5, 1), "ci_high": round(value + 5, 1),
                "rank": rank, "votes": 1000 + tick,
            }  # fmt: skip
            if rank % 3 == 0:
                data["license"] = "Apache-2.0" if self.open[model] else "Proprietary"
            yield _event(f"leaderboard:{board}", "ScoreReported", data, when,
                         f"{board}|{tick}|{model}")  # fmt: skip
        for model, value in self.listed[board].items():
            if model not in listed:
                gone = {"model": model, "leaderboard": board, "method": method,
                        "as_of": as_of, "value": value}  # fmt: skip
                yield _event(f"leaderboard:{board}", "ScoreWithdrawn", gone, when,
                             f"{board}|{tick}|{model}|gone")  # fmt: skip
        self.listed[board] = listed

    def news(self, tick: int, when: datetime) -> Iterator[NewEvent]:
        rng, active = self.rng, self.active(tick)
        for _ in range(12):
            self.items += 1
            item, moment = f"item-{self.items}", when + timedelta(minutes=rng.randint(0, 119))
            source = Provenance("news", item, f"https://news.example/{item}", f"{self.items:064x}")
            observed = {
                "source_id": "news", "item_id": item, "sha256": source.sha256,
                "url": source.url, "title": f"Open model news #{self.items}",
                "published": format_time(moment), "kind": "article",
                "summary": "A new release tops the open-weights chart. " * 6,
            }  # fmt: skip
            yield _event("source:news", "ItemObserved", observed, moment, f"obs|{item}", source)
            for model in rng.sample(active, min(len(active), 3)):
                mention = {"model": model, "snippet": f"{model} leads", "item_id": item,
                           "confidence": 0.8}  # fmt: skip
                yield _event(f"model:{model}", "ModelMentioned", mention, moment,
                             f"mention|{item}|{model}", source)  # fmt: skip
        for model in rng.sample(active, min(len(active), 4)):
            if self.open[model]:
                count = {"model": model, "downloads": rng.randint(0, 10**7)}
                yield _event(f"model:{model}", "DownloadsReported", count, when)


def _event(
    stream: str,
    type_name: str,
    data: dict[str, object],
    when: datetime,
    key: str | None = None,
    source: Provenance | None = None,
) -> NewEvent:
    return NewEvent(stream, type_name, data, when, source or Provenance("bench"), key)


def generate(total: int, seed: int = 11) -> Iterator[NewEvent]:
    """About ``total`` events, in append order, none dated after the bench started: a log
    too long to fit between ``START`` and now starts earlier (10M events: about nine years),
    as a real log's events happen before they are recorded."""
    world, count, tick = _World(seed), 0, 0
    ticks = total / EVENTS_PER_TICK * 1.05
    latest = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - TICK * ticks
    start = min(START, latest.replace(hour=0))
    while count < total:
        when = start + TICK * tick
        batch: list[NewEvent] = []
        if tick == 0:
            for _ in range(120):
                batch.extend(world.new_model(tick, when))
        elif tick % 20 == 0:
            batch.extend(world.new_model(tick, when))
        for board in BOARDS:
            if tick and tick % TICKS_PER_YEAR == list(BOARDS).index(board) * 500:
                number = int(world.method[board][1:]) + 1
                world.method[board] = f"v{number}"
                change = {"leaderboard": board, "method": f"v{number}"}
                batch.append(_event(f"leaderboard:{board}", "LeaderboardMethodChanged", change,
                                    when))  # fmt: skip
            batch.extend(world.snapshot(board, tick, when))
        batch.extend(world.news(tick, when))
        if tick % 300 == 299:
            model = world.rng.choice(world.active(tick))
            world.open[model] = not world.open[model]
            changed = {"model": model,
                       "license": "MIT" if world.open[model] else "Proprietary"}  # fmt: skip
            batch.append(_event(f"model:{model}", "ModelLicenseChanged", changed, when))
        yield from batch[: total - count]
        count += len(batch)
        tick += 1
