"""Delivering one target: the next wanted delivery after its cursor, sent, then recorded.

A delivery is either every wanted alert of one log position (id: the position) or one
source-health change (id: ``health-<journal id>``). The send happens outside any transaction;
the attempt and the new cursor are recorded together afterwards, so a crash in between sends
the same delivery again after a restart (at least once, same id). On PostgreSQL a worker
holds the target's advisory claim from reading the cursor to recording the attempt, so two
workers never deliver the same position.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.engine import Connection, Engine

from jobs.notify import alertstore, targetstore
from jobs.notify.channel import Channel, Sent
from jobs.notify.deriver import NOTIFY_CLASS
from jobs.notify.filters import health_alert, wanted
from jobs.notify.message import payload
from jobs.notify.targetstate import TargetState, after_failure, after_success
from jobs.notify.targetstore import Attempt
from jobs.schedule import healthlog
from jobs.schedule.claim import claim
from service.clock import Clock
from service.db import WRITE
from service.settings import NotifyTarget

log = structlog.get_logger("crownlog.notify")
HEALTH_KINDS = frozenset({"source-failing", "source-recovered"})
SCAN = 200


@dataclass(frozen=True, slots=True)
class Unit:
    """One delivery: its id, its alerts, and the cursor it moves on success."""

    delivery: str
    alerts: list[dict[str, Any]]
    recorded_at: datetime | None
    position: int | None = None
    health_id: int | None = None


def next_unit(
    conn: Connection, target: NotifyTarget, state: TargetState
) -> tuple[Unit | None, TargetState]:
    """The next delivery ``target`` wants, and its state moved past what it does not want."""
    health_id = state.health_id
    if HEALTH_KINDS & set(target.events):
        for change in healthlog.read_after(conn, health_id, SCAN):
            body = health_alert(change)
            if wanted(target, body, change.at):
                unit = Unit(f"health-{change.id}", [body], change.at, health_id=change.id)
                return unit, replace(state, health_id=health_id)
            health_id = change.id
    state = replace(state, health_id=health_id)
    derived = alertstore.checkpoint(conn) or 0
    position = state.position
    kinds = set(target.events) - HEALTH_KINDS
    found = alertstore.positions(conn, position, derived, kinds, SCAN) if kinds else []
    for at in found:
        rows = alertstore.at_position(conn, at)
        chosen = [body for recorded, body in rows if wanted(target, body, recorded)]
        if chosen:
            return Unit(str(at), chosen, rows[0][0], position=at), replace(state, position=position)
        position = at
    if len(found) < SCAN:
        position = max(position, derived)
    return None, replace(state, position=position)


def send(channel: Channel, target: str, unit: Unit, test: bool = False) -> tuple[Sent, int]:
    """Send ``unit`` through ``channel``; ``(outcome, milliseconds)`` — never raises."""
    body = payload(target, unit.delivery, unit.alerts, unit.position, unit.recorded_at, test)
    started = time.perf_counter()
    try:
        sent = channel.send(unit.delivery, body)
    except Exception as exc:  # a broken channel must not stop the follower
        sent = Sent(False, error=f"internal error: {exc!r}")
    return sent, int((time.perf_counter() - started) * 1000)


def attempt(target: str, unit: Unit, kind: str, sent: Sent, ms: int, now: datetime) -> Attempt:
    """The delivery-log row of one send."""
    outcome = "delivered" if sent.ok else "failed"
    return Attempt(
        target, unit.delivery, kind, outcome, now, len(unit.alerts), sent.http_status, ms,
        sent.error,
    )  # fmt: skip


class Deliverer:
    """Delivers one target's alerts in order, backing off while its endpoint fails."""

    def __init__(
        self, engine: Engine, target: NotifyTarget, channel: Channel, clock: Clock
    ) -> None:
        self.target = target
        self._engine = engine
        self._channel = channel
        self._clock = clock

    def step(self, most: int = 20) -> int:
        """Deliver up to ``most`` deliveries now; stop at the first failure (it backs off)."""
        with claim(self._engine, f"target:{self.target.name}", NOTIFY_CLASS) as mine:
            return self._deliver(most) if mine else 0

    def _deliver(self, most: int) -> int:
        done = 0
        while done < most:
            now = self._clock()
            with self._engine.connect() as conn, conn.execution_options(**WRITE).begin():
                state = targetstore.load_or_start(conn, self.target.name, now)
                if not state.due(now):
                    return done
                unit, moved = next_unit(conn, self.target, state)
                if moved != state:
                    targetstore.save(conn, moved)
            if unit is None:
                return done
            sent, ms = send(self._channel, self.target.name, unit)
            self._record(moved, unit, sent, ms)
            if not sent.ok:
                return done
            done += 1
        return done

    def _record(self, state: TargetState, unit: Unit, sent: Sent, ms: int) -> None:
        now = self._clock()
        if sent.ok:
            new = after_success(state, now, unit.position, unit.health_id)
        else:
            new = after_failure(state, self.target, now, sent.error or "failed", sent.retry_after)
        with self._engine.connect() as conn, conn.execution_options(**WRITE).begin():
            targetstore.log_attempt(conn, attempt(self.target.name, unit, "live", sent, ms, now))
            targetstore.save(conn, new)
        log.log(
            20 if sent.ok else 30,
            "notify delivery",
            target=self.target.name,
            delivery=unit.delivery,
            outcome="delivered" if sent.ok else "failed",
            alerts=len(unit.alerts),
            http_status=sent.http_status,
            error=sent.error,
            next_attempt=new.next_attempt_at.isoformat() if new.next_attempt_at else None,
        )


def deliver_all(deliverers: Sequence[Deliverer]) -> int:
    """Each target delivers what it can now (tests and one-shot runs)."""
    return sum(deliverer.step(most=10**6) for deliverer in deliverers)
