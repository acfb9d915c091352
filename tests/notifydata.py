"""Building blocks of notification tests: services with ``[[notify]]`` targets, and a drain."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from jobs.catalogsync import IDENTITY_TIME, RULE_STREAM
from jobs.notify.deliverer import deliver_all
from jobs.notify.follower import NotifyFollower
from service.bootstrap import Services, build
from service.clock import format_time
from service.events import NewEvent, Provenance
from service.settings import FetchPolicySettings, NotifyTarget, Settings
from tests.conftest import CATALOG
from tests.race import catalog

SECRET = "s3cret-for-tests"


def webhook(name: str, url: str, **extra: Any) -> dict[str, Any]:
    """A webhook target wanting every log alert, retrying fast."""
    events = ["crown", "release", "enters-top10", "left-board"]
    return {
        "name": name,
        "events": events,
        "webhook": url,
        "secret": SECRET,
        "retry_initial": 0.05,
        "retry_max": 0.2,
        **extra,
    }


def services_with(url: str, *targets: dict[str, Any], allow_private: bool = True) -> Services:
    """Services notifying ``targets``; loopback receivers need ``[fetch] allow_private``."""
    notify = [NotifyTarget(**t) for t in targets]
    fetch = FetchPolicySettings(allow_private=allow_private)
    settings = Settings(database_url=url, catalog=CATALOG, notify=notify, fetch=fetch)
    return build(settings)


def drain(follower: NotifyFollower) -> int:
    """Derive everything new, then let every target deliver what it can now."""
    follower.deriver.step()
    while follower.deriver.behind:
        follower.deriver.step()
    return deliver_all(follower.deliverers)


def until(condition: Callable[[], bool], follower: NotifyFollower, timeout: float = 20) -> None:
    """Drain repeatedly (retries wait out their backoff) until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        drain(follower)
        time.sleep(0.02)


def release(model: str, released: datetime, license_: str = "MIT") -> NewEvent:
    """A ``ModelReleased`` of ``model`` with open weights."""
    return NewEvent(
        f"model:{model}",
        "ModelReleased",
        {"model": model, "released_at": format_time(released), "license": license_,
         "open_weights": True, "confidence": 0.9, "evidence": f"{model} is out"},
        released,
        Provenance("hf", f"{model}@{released.date()}"),
        f"release:{model}:{released.isoformat()}",
    )  # fmt: skip


def days_ago(now: datetime, n: int) -> datetime:
    return now - timedelta(days=n)


def race_catalog() -> list[NewEvent]:
    """The test race's labs and models under the ``claimed`` crown rule, with the verified
    weights repositories of the open ones (so their alerts say ``open``)."""
    rule = NewEvent(
        RULE_STREAM,
        "CrownRuleChanged",
        {"weights": "claimed", "previous": "open"},
        IDENTITY_TIME,
        Provenance("settings", "crown.weights"),
        "crown-rule:test:claimed",
    )
    return [rule, *catalog()]
