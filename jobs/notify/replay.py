"""``crownlog notify replay`` and ``notify test``: send a range again, or a sample, now.

A replay re-sends, with their original delivery ids, the deliveries a target wants among the
appends recorded from ``since`` (to ``until``) and the source-health changes of that time; it
does not move the target's cursor. Alerts of appends older than where derivation started are
derived first, by the same past-state route and folds as the live follower.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Connection

from jobs.notify import alertstore, targetstore
from jobs.notify.channel import Channel, channel_for, url_policy
from jobs.notify.deliverer import HEALTH_KINDS, Unit, attempt, send
from jobs.notify.deriver import derive_appends
from jobs.notify.filters import health_alert, wanted
from jobs.notify.outlook import outlook
from jobs.schedule import healthlog
from service import appendsql, reader
from service.bootstrap import Services
from service.db import WRITE
from service.errors import ConfigError
from service.projections.digest import snapshot
from service.settings import NotifyTarget
from service.timepoint import At

#: Waits between the tries of one replayed delivery.
RETRIES = (0.5, 2.0)


@dataclass
class ReplayReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def target_named(services: Services, name: str) -> NotifyTarget:
    """The configured target ``name``; ``ConfigError`` naming the configured ones otherwise."""
    for target in services.settings.notify:
        if target.name == name:
            return target
    names = ", ".join(t.name for t in services.settings.notify) or "none"
    raise ConfigError(f"no [[notify]] target named {name!r} (configured: {names})")


def replay(
    services: Services,
    name: str,
    since: datetime,
    until: datetime | None = None,
    advance: Callable[[int], None] = lambda _n: None,
) -> ReplayReport:
    """Send again what ``name`` wants from the appends recorded in ``[since, until]``."""
    target = target_named(services, name)
    with services.engine.connect() as conn:
        start = reader.last_position_recorded_by(conn, since - timedelta(microseconds=1))
        end = alertstore.checkpoint(conn)
        end = appendsql.head(conn)[0] if end is None else end
        if until is not None:
            end = min(end, reader.last_position_recorded_by(conn, until))
    _derive_before_origin(services, start)
    report = ReplayReport()
    with httpx.Client(follow_redirects=False) as client:
        channel = channel_for(target, client, url_policy(services))
        with services.engine.connect() as conn:
            units = list(_units(conn, target, start, end, since, until))
        for unit in units:
            _send(services, channel, target, unit, report)
            advance(1)
    return report


def _units(
    conn: Connection,
    target: NotifyTarget,
    start: int,
    end: int,
    since: datetime,
    until: datetime | None,
) -> Iterator[Unit]:
    kinds = set(target.events) - HEALTH_KINDS
    after = start
    while kinds:
        found = alertstore.positions(conn, after, end, kinds)
        for position in found:
            rows = alertstore.at_position(conn, position)
            chosen = [body for recorded, body in rows if wanted(target, body, recorded)]
            if chosen:
                yield Unit(str(position), chosen, rows[0][0], position=position)
        if not found:
            break
        after = found[-1]
    health_id = 0
    while HEALTH_KINDS & set(target.events):
        changes = healthlog.read_after(conn, health_id, 500)
        for change in changes:
            body = health_alert(change)
            in_range = change.at >= since and (until is None or change.at <= until)
            if in_range and wanted(target, body, change.at):
                yield Unit(f"health-{change.id}", [body], change.at, health_id=change.id)
        if not changes:
            break
        health_id = changes[-1].id


def _send(
    services: Services, channel: Channel, target: NotifyTarget, unit: Unit, report: ReplayReport
) -> None:
    for wait in (*RETRIES, None):
        sent, ms = send(channel, target.name, unit)
        now = services.clock()
        with services.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            targetstore.log_attempt(conn, attempt(target.name, unit, "replay", sent, ms, now))
        if sent.ok:
            report.sent += 1
            return
        if wait is None:
            report.failed += 1
            report.errors.append(f"delivery {unit.delivery}: {sent.error}")
            return
        time.sleep(wait)


def _derive_before_origin(services: Services, start: int) -> None:
    """Store the alerts of ``(start, origin]`` if derivation started after ``start``."""
    with services.engine.connect() as conn:
        origin = alertstore.checkpoint(conn, alertstore.ORIGIN)
        live = alertstore.checkpoint(conn)
        origin = origin if origin is not None else appendsql.head(conn)[0]
    if start >= origin:
        return
    states = snapshot(services.reads.view(At(position=start), exact=True).states)
    seen, after, found = outlook(states), start, []
    with services.engine.connect() as conn:
        while after < origin:
            rows, seen, last = derive_appends(conn, states, seen, after, origin)
            found += rows
            if last == after:
                break
            after = last
    with services.engine.connect() as conn, conn.execution_options(**WRITE).begin():
        alertstore.insert(conn, found)
        if live is not None:
            alertstore.set_checkpoint(conn, start, services.clock(), alertstore.ORIGIN)


def sample(services: Services, name: str) -> tuple[bool, str | None, str]:
    """Send a sample delivery to ``name`` now: ``(ok, error, delivery id)``; logged as a test."""
    target = target_named(services, name)
    now = services.clock()
    alert = {
        "event": "crown",
        "leaderboard": services.settings.crown.leaderboard,
        "model": "example-model",
        "name": "Example Model",
        "lab": "example-lab",
        "lab_name": "Example Lab",
        "city": "Example City",
        "weights": "open",
        "previous": "previous-model",
        "since": now.isoformat(),
        "score": 1500.0,
        "rank": 1,
    }
    unit = Unit(f"test-{int(now.timestamp())}", [alert], now)
    with httpx.Client(follow_redirects=False) as client:
        sent, ms = send(
            channel_for(target, client, url_policy(services)), target.name, unit, test=True
        )
    with services.engine.connect() as conn, conn.execution_options(**WRITE).begin():
        targetstore.log_attempt(conn, attempt(target.name, unit, "test", sent, ms, now))
    return sent.ok, sent.error, unit.delivery
