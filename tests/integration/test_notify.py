"""Notifications from the log, on SQLite and PostgreSQL, to a real loopback receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.notify.follower import NotifyFollower
from jobs.notify.webhook import verify
from service.bootstrap import Services
from service.clock import utcnow
from tests.conftest import ROOT
from tests.notifydata import (
    SECRET,
    days_ago,
    drain,
    race_catalog,
    release,
    services_with,
    until,
    webhook,
)
from tests.race import snapshot
from tests.receiver import Receiver, receiver

FEED = ROOT / "tests" / "fixtures" / "news-3.xml"
JUN = {"deepseek-r1-0528": 1421, "gemini-2.5-pro": 1460}
JUL = {"kimi-k2": 1425, "deepseek-r1-0528": 1424, "gemini-2.5-pro": 1458}


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as server:
        yield server


def _started(services: Services) -> NotifyFollower:
    """A follower that has taken its first step (targets start at the head)."""
    follower = NotifyFollower(services)
    drain(follower)
    return follower


def test_a_new_target_starts_at_the_head_then_gets_the_crown_change(
    database_url: str, hook: Receiver
) -> None:
    """History before the target existed is not sent; the next crown change is, signed."""
    services = services_with(database_url, webhook("desk", hook.url))
    services.store.append([*race_catalog(), *snapshot("2025-06-17", JUN)])
    follower = _started(services)
    assert hook.requests == []
    appended = services.store.append(snapshot("2025-07-18", JUL)).appended
    drain(follower)
    [got] = hook.delivered()
    assert got.delivery == str(appended[-1].position)
    assert verify(got.body, SECRET, got.headers["x-crownlog-signature"])
    assert not verify(got.body, "another secret", got.headers["x-crownlog-signature"])
    body = got.json
    assert body["position"] == appended[-1].position and body["target"] == "desk"
    kinds = [(a["event"], a["model"]) for a in body["alerts"]]
    assert kinds == [("crown", "kimi-k2"), ("enters-top10", "kimi-k2")]
    crown = body["alerts"][0]
    assert crown["previous"] == "deepseek-r1-0528" and crown["leaderboard"] == "lmarena-text"
    assert crown["lab"] == "moonshot" and crown["city"] == "Beijing"
    assert crown["weights"] == "claimed"  # a licence claim; no weights repository is known
    assert drain(follower) == 0 and len(hook.requests) == 1
    follower.stop()
    services.close()


def test_retries_after_server_errors_then_recovers(database_url: str, hook: Receiver) -> None:
    """Two 500s, then 200: the same delivery is retried with backoff and then delivered."""
    from jobs.notify import targetstore

    services = services_with(database_url, webhook("desk", hook.url))
    services.store.append([*race_catalog(), *snapshot("2025-06-17", JUN)])
    follower = _started(services)
    hook.answer(500, 500)
    services.store.append(snapshot("2025-07-18", JUL))
    until(lambda: len(hook.delivered()) == 1, follower)
    assert [r.status for r in hook.requests] == [500, 500, 200]
    assert len({r.delivery for r in hook.requests}) == 1
    with services.engine.connect() as conn:
        log = targetstore.attempts(conn, "desk")
        state = targetstore.load(conn, "desk")
    assert [row["outcome"] for row in log] == ["delivered", "failed", "failed"]
    assert log[1]["http_status"] == 500 and "HTTP 500" in log[1]["error"]
    assert state is not None and state.consecutive_errors == 0
    assert (state.delivered, state.failed) == (1, 2)
    follower.stop()
    services.close()


def test_filters_choose_alerts_by_lab_city_board_and_release_age(
    database_url: str, hook: Receiver
) -> None:
    """Each target gets only the alerts its filters pass; an old release is not news."""
    services = services_with(
        database_url,
        webhook("zhipu", hook.url + "/zhipu", lab=["zhipu"]),
        webhook("hangzhou", hook.url + "/hz", city="hangzhou"),
        webhook("other-board", hook.url + "/other", leaderboard=["webdev"], events=["crown"]),
        webhook("open-only", hook.url + "/open", weights=["open"]),
        webhook("claimed", hook.url + "/claimed", weights="claimed", events=["crown"]),
    )
    services.store.append(race_catalog())
    follower = _started(services)
    now = utcnow()
    services.store.append([release("glm-4.5", days_ago(now, 2))])
    services.store.append([release("deepseek-r1-0528", days_ago(now, 400))])
    services.store.append(snapshot("2025-06-17", JUN))
    drain(follower)
    by_path: dict[str, list[tuple[str, str]]] = {}
    for got in hook.delivered():
        for alert in got.json["alerts"]:
            by_path.setdefault(got.path, []).append((alert["event"], alert["model"]))
    assert by_path == {
        "/hook/zhipu": [("release", "glm-4.5")],
        "/hook/hz": [("crown", "deepseek-r1-0528")],
        "/hook/claimed": [("crown", "deepseek-r1-0528")],
    }
    follower.stop()
    services.close()


def test_replay_resends_a_range(database_url: str, hook: Receiver) -> None:
    """``replay --from T`` sends again what was delivered since T, with the same ids."""
    from jobs.notify.replay import replay

    services = services_with(database_url, webhook("desk", hook.url))
    services.store.append(race_catalog())
    follower = _started(services)
    services.store.append(snapshot("2025-06-17", JUN))
    since = utcnow()
    services.store.append(snapshot("2025-07-18", JUL))
    drain(follower)
    first = [r.delivery for r in hook.delivered()]
    assert len(first) == 2
    report = replay(services, "desk", since)
    assert (report.sent, report.failed) == (1, 0)
    assert [r.delivery for r in hook.delivered()] == [*first, first[1]]
    follower.stop()
    services.close()


def test_apprise_json_target_posts_a_short_message(database_url: str, hook: Receiver) -> None:
    """An Apprise target (its json:// plugin) reaches the loopback receiver with a sentence."""
    port = hook.server_address[1]
    target = {
        "name": "chat",
        "events": ["crown"],
        "apprise": [f"json://127.0.0.1:{port}/apprise"],
        "retry_initial": 0.05,
    }
    services = services_with(database_url, target)
    services.store.append([*race_catalog(), *snapshot("2025-06-17", JUN)])
    follower = _started(services)
    services.store.append(snapshot("2025-07-18", JUL))
    drain(follower)
    [got] = hook.delivered()
    assert got.path == "/apprise"
    body = got.json
    assert body["title"] == (
        "crownlog: kimi-k2 (Moonshot AI, Beijing) takes the open-weights crown on lmarena-text "
        "from deepseek-r1-0528"
    )
    assert body["message"].startswith("kimi-k2 (Moonshot AI, Beijing) takes")
    follower.stop()
    services.close()


def test_source_failing_and_recovered_come_from_poll_state(
    database_url: str, hook: Receiver, tmp_path: Path
) -> None:
    """Failed polls are journalled; the target hears once at its threshold, then the recovery."""
    from jobs.runtime import build_ingestion
    from jobs.schedule.sourcefile import SourceConfig

    target = webhook("ops", hook.url, events=["source-failing", "source-recovered"])
    services = services_with(database_url, {**target, "failing_after": 2})
    follower = _started(services)
    feed = tmp_path / "feed.xml"
    source = SourceConfig(id="news", kind="feed", url=feed.as_uri())
    ingestion = build_ingestion(services)
    try:
        for _ in range(3):
            assert ingestion.poller.poll(source).status == "error"
        feed.write_bytes(FEED.read_bytes())
        assert ingestion.poller.poll(source).status == "ok"
    finally:
        ingestion.close()
    drain(follower)
    alerts = [got.json["alerts"][0] for got in hook.delivered()]
    assert [(a["event"], a["source"]) for a in alerts] == [
        ("source-failing", "news"),
        ("source-recovered", "news"),
    ]
    assert alerts[0]["consecutive_errors"] == 2 and "feed.xml" in alerts[0]["error"]
    assert alerts[1]["after_errors"] == 3
    assert all(got.delivery.startswith("health-") for got in hook.delivered())
    follower.stop()
    services.close()


def test_a_webhook_to_a_private_address_is_refused_without_allow_private(
    database_url: str, hook: Receiver
) -> None:
    """The URL policy guards webhooks too: loopback is refused and the target backs off."""
    from jobs.notify import targetstore

    services = services_with(database_url, webhook("desk", hook.url), allow_private=False)
    services.store.append([*race_catalog(), *snapshot("2025-06-17", JUN)])
    follower = _started(services)
    services.store.append(snapshot("2025-07-18", JUL))
    drain(follower)
    assert hook.requests == []
    with services.engine.connect() as conn:
        state = targetstore.load(conn, "desk")
    assert state is not None and state.consecutive_errors == 1
    assert state.last_error is not None and "loopback" in state.last_error
    assert "allow_private" in state.last_error
    follower.stop()
    services.close()
