"""Notifications, the pure parts: alerts from outlooks, target filters, backoff, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jobs.notify.alerts import derive
from jobs.notify.filters import wanted
from jobs.notify.message import text
from jobs.notify.outlook import EMPTY, BoardOutlook, Outlook, outlook
from jobs.notify.targetstate import TargetState, after_failure, after_success, backoff
from jobs.notify.webhook import sign, verify
from service.projections.digest import fold_all
from service.settings import NotifyTarget, Settings
from tests.unit.eventbuilders import BOARD, JUL_18, JUN_17, Log, cast

T = datetime(2025, 8, 1, tzinfo=UTC)


def _target(**extra: Any) -> NotifyTarget:
    fields = {"name": "t", "events": ["crown", "release", "enters-top10", "left-board"]}
    return NotifyTarget(**{**fields, "webhook": "https://example.org/h", "secret": "x", **extra})


def _board(ranks: dict[str, int], holder: str | None = None, method: str = "v1") -> BoardOutlook:
    return BoardOutlook(
        method, holder, T if holder else None, {m: (r, 1400.0) for m, r in ranks.items()}
    )


def _kinds(before: Outlook, after: Outlook, log: Log | None = None) -> list[tuple[str, str]]:
    catalog = fold_all((log or cast(Log())).events)["catalog"]
    return [(a.kind, a.body["model"]) for a in derive(before, after, catalog)]


def test_a_snapshot_that_changes_the_leader_gives_one_crown_alert() -> None:
    """Given the race up to June, when July's snapshot lands, Kimi K2 takes the crown."""
    log = cast(Log())
    log.snapshot(BOARD, "2025-06-17", JUN_17)
    before = outlook(fold_all(log.events))
    log.snapshot(BOARD, "2025-07-18", JUL_18)
    states = fold_all(log.events)
    alerts = derive(before, outlook(states), states["catalog"])
    crown = [a for a in alerts if a.kind == "crown"]
    assert [(a.body["model"], a.body["previous"]) for a in crown] == [
        ("kimi-k2", "deepseek-r1-0528")
    ]
    assert crown[0].body["lab"] == "moonshot" and crown[0].body["city"] == "Beijing"
    assert [a.body["model"] for a in alerts if a.kind == "enters-top10"] == ["kimi-k2"]
    assert derive(outlook(states), outlook(states), states["catalog"]) == []


def test_membership_alerts_need_a_board_before_and_the_same_method() -> None:
    """A first snapshot is no flood of top-10 entries; a method change is no mass exit."""
    first = Outlook({BOARD: _board({"glm-4.5": 1, "kimi-k2": 2}, "glm-4.5")}, {})
    assert _kinds(EMPTY, first) == [("crown", "glm-4.5")]
    left = Outlook({BOARD: _board({"glm-4.5": 1}, "glm-4.5")}, {})
    assert _kinds(first, left) == [("left-board", "kimi-k2")]
    changed = Outlook({BOARD: _board({"glm-4.5": 1}, "glm-4.5", method="v2")}, {})
    assert _kinds(first, changed) == []
    ranks = {f"m{n:02d}": n for n in range(1, 12)}
    eleventh = Outlook({BOARD: _board(ranks)}, {})
    moved = Outlook({BOARD: _board({**ranks, "m11": 10, "m10": 11})}, {})
    assert _kinds(eleventh, moved) == [("enters-top10", "m11")]


def test_a_release_is_an_alert_once_its_date_is_known() -> None:
    """A model whose release date becomes known is a release alert, with its lab."""
    after = Outlook({}, {"glm-4.5": T})
    assert _kinds(EMPTY, after) == [("release", "glm-4.5")]
    assert _kinds(after, after) == []


def _alert(kind: str = "crown", **extra: Any) -> dict[str, Any]:
    body = {"event": kind, "leaderboard": BOARD, "model": "glm-4.5", "name": "GLM-4.5"}
    body.update(lab="zhipu", lab_name="Zhipu AI", city="Beijing", weights="open")
    return {**body, **extra}


def test_filters_by_board_lab_city_weights_and_release_age() -> None:
    """Board filters touch board alerts only; lab matches slug or name; city any case."""
    assert wanted(_target(lab="Zhipu AI"), _alert(), T)
    assert wanted(_target(lab=["zhipu"], city="beijing"), _alert(), T)
    assert not wanted(_target(lab="qwen"), _alert(), T)
    assert not wanted(_target(weights=["closed"]), _alert(), T)
    assert not wanted(_target(leaderboard="webdev"), _alert(), T)
    fresh = _alert("release", released_at=(T - timedelta(days=3)).isoformat())
    stale = _alert("release", released_at=(T - timedelta(days=300)).isoformat())
    assert wanted(_target(leaderboard="webdev"), fresh, T)
    assert not wanted(_target(), stale, T)
    assert not wanted(_target(events=["crown"]), fresh, T)


def test_source_health_alerts_follow_the_target_threshold() -> None:
    """Failing once at the threshold; recovered only after reaching it."""
    target = _target(events=["source-failing", "source-recovered"], failing_after=3)
    failing = {"event": "source-failing", "source": "s", "consecutive_errors": 3}
    assert wanted(target, failing, T)
    assert not wanted(target, {**failing, "consecutive_errors": 4}, T)
    recovered = {"event": "source-recovered", "source": "s", "after_errors": 2}
    assert not wanted(target, recovered, T)
    assert wanted(target, {**recovered, "after_errors": 5}, T)


def test_backoff_doubles_to_a_cap_and_success_resets() -> None:
    """30 s, 60 s, 120 s … capped; Retry-After lengthens; one success clears the errors."""
    target = _target(retry_initial=30, retry_max=100)
    assert [backoff(target, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    state = TargetState("t", 10, 0, T)
    failed = after_failure(state, target, T, "HTTP 500", retry_after=90)
    assert failed.next_attempt_at == T + timedelta(seconds=90) and not failed.due(T)
    assert after_failure(failed, target, T, "again").consecutive_errors == 2
    done = after_success(failed, T, position=12)
    assert (done.position, done.consecutive_errors, done.due(T)) == (12, 0, True)


def test_signature_matches_a_published_vector() -> None:
    """HMAC-SHA256 hex of the raw body, as GitHub documents for its own webhooks."""
    body, secret = b"Hello, World!", "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(body, secret) == expected
    assert verify(body, secret, expected) and not verify(body + b" ", secret, expected)


def test_message_is_short_and_counts_the_rest() -> None:
    """One sentence per alert, at most ten, then how many more."""
    body = {"alerts": [_alert()] * 12, "position": 7, "test": False}
    title, message = text(body)
    assert title == "crownlog: 12 alerts"
    assert (
        message.splitlines()[0]
        == "GLM-4.5 (Zhipu AI, Beijing) takes the open-weights crown on lmarena-text"
    )
    assert "… and 2 more" in message and message.endswith("(log position 7)")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"webhook": "https://h.example/x"}, "needs a secret"),
        ({"webhook": "https://h.example/x", "secret": "s", "apprise": ["json://h"]}, "either"),
        ({}, "either"),
        ({"webhook": "ftp://h.example/x", "secret": "s"}, "pattern"),
    ],
)
def test_a_target_needs_exactly_one_channel(fields: dict[str, Any], message: str) -> None:
    """A target names a webhook with a secret, or Apprise URLs."""
    with pytest.raises(ValidationError, match=message):
        NotifyTarget(name="t", events=["crown"], **fields)


def test_target_names_are_unique() -> None:
    target = {"name": "t", "events": ["crown"], "apprise": "json://h"}
    with pytest.raises(ValidationError, match="unique"):
        Settings(notify=[target, target])
    assert Settings(notify=[target]).notify[0].apprise == ("json://h",)


def test_targets_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """CROWNLOG_NOTIFY holds the list as JSON (keeps a secret out of the file)."""
    value = '[{"name": "x", "events": ["crown"], "webhook": "https://h.example/", "secret": "s"}]'
    monkeypatch.setenv("CROWNLOG_NOTIFY", value)
    [target] = Settings().notify
    assert target.secret is not None and target.secret.get_secret_value() == "s"
