"""Per-source poll state (a table, not events): validators, health, and when to poll next.

The transitions are pure: a failing source backs off (doubling up to a cap) and recovers on
the first success; it never silently stops, and its error stays visible. A permanent redirect
moves the effective URL only after it has been seen on two polls in a row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from jobs.schedule.sourcefile import SourceConfig

BACKOFF_CAP = timedelta(hours=24)
HINT_CAP = timedelta(hours=24)
REDIRECT_CONFIRMATIONS = 2
MAX_ERROR_TEXT = 2000


@dataclass(frozen=True, slots=True)
class SourceState:
    """One row of ``source_state``."""

    source_id: str
    configured_url: str | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    effective_url: str | None = None
    redirect_candidate: str | None = None
    redirect_seen: int = 0
    consecutive_errors: int = 0
    last_error: str | None = None
    bozo_reason: str | None = None
    next_due_at: datetime | None = None
    items_seen: int = 0
    events_appended: int = 0
    polls: int = 0

    def url_for(self, source: SourceConfig) -> str:
        """The URL to fetch: the confirmed redirect target, unless the config changed since."""
        if self.configured_url == source.url and self.effective_url:
            return self.effective_url
        return source.url

    @property
    def healthy(self) -> bool:
        return self.consecutive_errors == 0


def interval(source: SourceConfig, hint_seconds: int | None) -> timedelta:
    """The configured interval, lengthened (never shortened) by a server hint, within a cap."""
    if hint_seconds is None or hint_seconds <= 0:
        return source.every
    return max(source.every, min(timedelta(seconds=hint_seconds), HINT_CAP))


def backoff(source: SourceConfig, errors: int) -> timedelta:
    """Wait after ``errors`` consecutive failures: the interval, doubled per error, capped."""
    return min(source.every * (2 ** max(errors - 1, 0)), max(BACKOFF_CAP, source.every))


def _fresh(state: SourceState, source: SourceConfig) -> SourceState:
    if state.configured_url == source.url:
        return state
    # A changed URL in sources.toml invalidates validators and any redirect learnt for the old one.
    return replace(
        state,
        configured_url=source.url,
        etag=None,
        last_modified=None,
        effective_url=None,
        redirect_candidate=None,
        redirect_seen=0,
    )


def after_fetch(
    state: SourceState,
    source: SourceConfig,
    now: datetime,
    *,
    status: str,
    http_status: int | None,
    etag: str | None,
    last_modified: str | None,
    permanent_redirect: str | None,
    hint_seconds: int | None,
    items_seen: int = 0,
    appended: int = 0,
    bozo_reason: str | None = None,
) -> SourceState:
    """State after a successful poll (``status`` ``ok`` or ``not_modified``)."""
    state = _fresh(state, source)
    candidate, seen, effective = state.redirect_candidate, state.redirect_seen, state.effective_url
    if permanent_redirect and permanent_redirect != state.url_for(source):
        seen = seen + 1 if candidate == permanent_redirect else 1
        candidate = permanent_redirect
        if seen >= REDIRECT_CONFIRMATIONS:
            effective, candidate, seen = permanent_redirect, None, 0
    else:
        candidate, seen = None, 0
    return replace(
        state,
        last_poll_at=now,
        last_success_at=now,
        last_status=status,
        http_status=http_status,
        etag=etag if status == "ok" else (etag or state.etag),
        last_modified=last_modified if status == "ok" else (last_modified or state.last_modified),
        effective_url=effective,
        redirect_candidate=candidate,
        redirect_seen=seen,
        consecutive_errors=0,
        last_error=None,
        bozo_reason=bozo_reason if status == "ok" else state.bozo_reason,
        next_due_at=now + interval(source, hint_seconds),
        items_seen=items_seen if status == "ok" else state.items_seen,
        events_appended=appended,
        polls=state.polls + 1,
    )


def after_failure(
    state: SourceState,
    source: SourceConfig,
    now: datetime,
    error: str,
    http_status: int | None = None,
    retry_after: int | None = None,
) -> SourceState:
    """State after a failed poll: count it, keep the message, back off."""
    state = _fresh(state, source)
    errors = state.consecutive_errors + 1
    wait = backoff(source, errors)
    if retry_after:
        wait = max(wait, min(timedelta(seconds=retry_after), BACKOFF_CAP))
    return replace(
        state,
        last_poll_at=now,
        last_status="error",
        http_status=http_status,
        consecutive_errors=errors,
        last_error=error[:MAX_ERROR_TEXT],
        next_due_at=now + wait,
        events_appended=0,
        polls=state.polls + 1,
    )
