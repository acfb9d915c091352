"""A target's delivery state and its transitions (pure), like a source's poll state.

A failed delivery backs off — ``retry_initial`` doubled per failure in a row, capped at
``retry_max``, longer if the endpoint asked (``Retry-After``) — and the first success
resets it. The cursor only moves when a delivery succeeded (or nothing there was wanted), so
a crash between sending and recording re-sends the same delivery: at least once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from service.settings import NotifyTarget

MAX_ERROR_TEXT = 2000
RETRY_AFTER_CAP = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class TargetState:
    """One row of ``notify_targets``."""

    name: str
    position: int
    health_id: int
    created_at: datetime
    consecutive_errors: int = 0
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    next_attempt_at: datetime | None = None
    delivered: int = 0
    failed: int = 0

    def due(self, now: datetime) -> bool:
        """Whether a delivery may be attempted at ``now`` (not backing off)."""
        return self.next_attempt_at is None or self.next_attempt_at <= now


def backoff(target: NotifyTarget, errors: int) -> timedelta:
    """The wait after ``errors`` failed deliveries in a row."""
    seconds = min(target.retry_initial * 2 ** max(errors - 1, 0), target.retry_max)
    return timedelta(seconds=seconds)


def after_success(
    state: TargetState, now: datetime, position: int | None = None, health_id: int | None = None
) -> TargetState:
    """State after a delivery succeeded; the cursor moves past what it carried."""
    return replace(
        state,
        position=state.position if position is None else max(state.position, position),
        health_id=state.health_id if health_id is None else max(state.health_id, health_id),
        consecutive_errors=0,
        last_error=None,
        last_attempt_at=now,
        last_success_at=now,
        next_attempt_at=None,
        delivered=state.delivered + 1,
    )


def after_failure(
    state: TargetState,
    target: NotifyTarget,
    now: datetime,
    error: str,
    retry_after: float | None = None,
) -> TargetState:
    """State after a failed delivery: count it, keep the message, back off."""
    errors = state.consecutive_errors + 1
    wait = backoff(target, errors)
    if retry_after:
        wait = max(wait, min(timedelta(seconds=retry_after), RETRY_AFTER_CAP))
    return replace(
        state,
        consecutive_errors=errors,
        last_error=error[:MAX_ERROR_TEXT],
        last_attempt_at=now,
        next_attempt_at=now + wait,
        failed=state.failed + 1,
    )
