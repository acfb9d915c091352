"""Board alerts from real polls, on SQLite and PostgreSQL: a complete snapshot that no longer
lists a model withdraws it (``ScoreWithdrawn``), and notify says so — ``left-board`` for the
model that left and, when it held the crown, ``crown`` for the model that inherits it; a
partial extract that leaves a model out says nothing; a model listed again re-enters.

Snapshots go through the poller (file sources, the project catalog synced first), so the
withdrawals are decided by the extractor exactly as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from jobs.notify.follower import NotifyFollower
from jobs.notify.webhook import verify
from jobs.runtime import build_ingestion
from jobs.schedule.sourcefile import SourceConfig
from service import reader
from service.bootstrap import Services, build
from service.settings import (
    CrownSettings,
    FetchPolicySettings,
    HfSettings,
    NotifyTarget,
    Settings,
)
from tests.conftest import CATALOG
from tests.notifydata import SECRET, drain, webhook
from tests.receiver import Receiver, receiver
from tests.workers import wait_for

BOARD = "lmarena-text"
KIMI, R1, GLM, GEMINI = "kimi-k2", "deepseek-r1-0528", "glm-4.5", "gemini-2.5-pro"
LICENCES = {KIMI: "Modified MIT", R1: "MIT", GLM: "MIT", GEMINI: "Proprietary"}


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as server:
        yield server


def _services(url: str, *targets: dict[str, Any]) -> Services:
    """Services with ``targets``, the project catalog and the ``claimed`` crown rule (the
    boards' licence claims decide the crown; nothing is fetched from the Hub)."""
    return build(
        Settings(
            database_url=url,
            catalog=CATALOG,
            notify=[NotifyTarget(**t) for t in targets],
            fetch=FetchPolicySettings(allow_private=True),
            crown=CrownSettings(weights="claimed"),
            hf=HfSettings(verify_repos=False, model_cards=False),
        )
    )


def _poll(
    services: Services, folder: Path, as_of: str, scores: dict[str, float], complete: bool = True
) -> None:
    """Poll one snapshot of the board for real (``complete``: it lists the whole board)."""
    rows = [
        {"model": model, "score": score, "license": LICENCES[model]}
        for model, score in scores.items()
    ]
    path = folder / f"board-{as_of}.json"
    path.write_bytes(orjson.dumps({"as_of": f"{as_of}T00:00:00Z", "rows": rows}))
    source = SourceConfig(
        id=f"arena-{as_of}",
        kind="leaderboard",
        url=path.as_uri(),
        leaderboard=BOARD,
        complete=complete,
    )
    ingestion = build_ingestion(services)
    try:
        outcome = ingestion.poller.poll(source)
    finally:
        ingestion.close()
    assert outcome.status == "ok", outcome.error
    assert outcome.appended > 0


def _withdrawn(services: Services) -> list[str]:
    """The models the log has withdrawn from the board, oldest first."""
    with services.engine.connect() as conn:
        events = reader.fetch_folds(conn, 0, services.reads.head(), limit=10_000)
    return [str(e.data["model"]) for e in events if e.type == "ScoreWithdrawn"]


def test_a_crown_holder_leaving_the_board_alerts_left_board_and_the_new_crown(
    database_url: str, hook: Receiver, tmp_path: Path
) -> None:
    """Kimi K2 holds the crown; the next complete snapshot no longer lists it: one signed
    delivery says DeepSeek-R1-0528 takes the crown from Kimi K2 and Kimi K2 left the board
    from rank 2. A target filtered to Moonshot's models hears only that it left."""
    services = _services(
        database_url,
        webhook("desk", hook.url),
        webhook("moonshot", hook.url + "/moonshot", lab=["moonshot"]),
    )
    follower = NotifyFollower(services)
    try:
        _poll(services, tmp_path, "2025-07-18", {GEMINI: 1458, KIMI: 1425, R1: 1424, GLM: 1410})
        drain(follower)  # targets start at the head: this history is not sent
        assert hook.requests == []
        assert services.reads.crown(BOARD)["holder"]["model"] == KIMI

        _poll(services, tmp_path, "2025-08-16", {GEMINI: 1457, R1: 1424, GLM: 1412})
        assert _withdrawn(services) == [KIMI]
        drain(follower)
        head = services.reads.head()
        by_path = {got.path: got for got in hook.delivered()}
        assert set(by_path) == {"/hook", "/hook/moonshot"}
        desk = by_path["/hook"]
        assert desk.delivery == str(head)
        assert verify(desk.body, SECRET, desk.headers["x-crownlog-signature"])
        alerts = desk.json["alerts"]
        assert [(a["event"], a["model"]) for a in alerts] == [("crown", R1), ("left-board", KIMI)]
        crown, left = alerts
        assert (crown["previous"], crown["leaderboard"]) == (KIMI, BOARD)
        assert crown["lab"] == "deepseek" and crown["city"] == "Hangzhou"
        assert (left["leaderboard"], left["last_rank"], left["last_score"]) == (BOARD, 2, 1425)
        assert left["lab"] == "moonshot" and left["city"] == "Beijing"
        only = by_path["/hook/moonshot"].json["alerts"]
        assert [(a["event"], a["model"]) for a in only] == [("left-board", KIMI)]
        assert drain(follower) == 0 and len(hook.requests) == 2
    finally:
        follower.stop()
        services.close()


def test_a_partial_extract_is_no_exit_and_a_return_re_enters(
    database_url: str, hook: Receiver, tmp_path: Path
) -> None:
    """A top-N extract that leaves GLM-4.5 out withdraws nothing and alerts nothing; a later
    complete snapshot without it does (``left-board``), and listing it again is
    ``enters-top10``."""
    services = _services(
        database_url, webhook("desk", hook.url, events=["left-board", "enters-top10"])
    )
    follower = NotifyFollower(services)
    try:
        _poll(services, tmp_path, "2025-07-18", {GEMINI: 1458, KIMI: 1425, GLM: 1410})
        drain(follower)
        _poll(services, tmp_path, "2025-07-25", {GEMINI: 1458, KIMI: 1426}, complete=False)
        drain(follower)
        assert _withdrawn(services) == [] and hook.requests == []

        _poll(services, tmp_path, "2025-08-01", {GEMINI: 1457, KIMI: 1427})
        drain(follower)
        assert _withdrawn(services) == [GLM]
        [left] = hook.delivered()
        assert [(a["event"], a["model"]) for a in left.json["alerts"]] == [("left-board", GLM)]

        _poll(services, tmp_path, "2025-08-15", {GLM: 1459, GEMINI: 1457, KIMI: 1427})
        drain(follower)
        back = hook.delivered()[-1].json["alerts"]
        assert [(a["event"], a["model"], a["rank"]) for a in back] == [("enters-top10", GLM, 1)]
        assert back[0]["previous_rank"] is None
    finally:
        follower.stop()
        services.close()


def test_a_stalled_endpoint_blocks_neither_polling_nor_other_targets(
    database_url: str, hook: Receiver, tmp_path: Path
) -> None:
    """The follower runs in its own thread: while one target's endpoint holds a delivery
    open, polls append, alerts are derived and another target gets them; released, the
    stalled target retries and receives both, in log order, each once."""
    with receiver() as stalled:
        services = _services(
            database_url,
            webhook("fast", hook.url, events=["crown"]),
            webhook("stalled", stalled.url, events=["crown"], timeout=60),
        )
        follower = NotifyFollower(services, tick=0.05)
        try:
            _poll(services, tmp_path, "2025-07-18", {GEMINI: 1458, KIMI: 1425, R1: 1424})
            drain(follower)  # the targets start at this head
            _poll(services, tmp_path, "2025-08-02", {GEMINI: 1457, R1: 1430, KIMI: 1425})
            first = services.reads.head()
            stalled.hold(str(first))
            follower.start()
            wait_for(stalled.holding.is_set, 30, "the stalled delivery to be in flight")
            wait_for(lambda: len(hook.delivered()) == 1, 30, "the fast target's delivery")

            _poll(services, tmp_path, "2025-08-15", {GLM: 1459, GEMINI: 1457, R1: 1430})
            second = services.reads.head()
            wait_for(lambda: len(hook.delivered()) == 2, 30, "the next crown change")
            assert stalled.delivered() == [] and not stalled.release.is_set()
            assert [got.delivery for got in hook.delivered()] == [str(first), str(second)]

            stalled.release.set()
            wait_for(lambda: len(stalled.delivered()) == 2, 30, "the stalled target to recover")
            assert [got.delivery for got in stalled.delivered()] == [str(first), str(second)]
            models = [got.json["alerts"][0]["model"] for got in stalled.delivered()]
            assert models == [R1, GLM]
            # The receiver has the request before the sender records its answer: wait for it.
            wait_for(lambda: _delivered(services) == {"fast": 2, "stalled": 2}, 30, "the records")
            text = _metrics(services)
            assert 'crownlog_notify_deliveries_total{outcome="delivered",target="fast"} 2.0' in text
            for outcome, count in (("delivered", 2), ("failed", 1)):
                line = f'crownlog_notify_deliveries_total{{outcome="{outcome}",target="stalled"}}'
                assert f"{line} {count}.0" in text, text
        finally:
            follower.stop()
            services.close()


def _delivered(services: Services) -> dict[str, int]:
    from jobs.notify import targetstore

    with services.engine.connect() as conn:
        return {state.name: state.delivered for state in targetstore.load_all(conn)}


def _metrics(services: Services) -> str:
    """What ``/metrics`` exports about notifications for ``services``' database."""
    from prometheus_client import REGISTRY, generate_latest

    from jobs.notify.metrics import expose

    expose(services.engine)
    try:
        return generate_latest(REGISTRY).decode()
    finally:
        expose(None)
