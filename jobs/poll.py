"""One poll of one source: fetch → parse → derive events → append + state, atomically.

Everything a poll appends, and the source's new state, commit in one transaction: a crash
leaves the log as it was before the poll. Any failure is recorded on the source's state and
never propagates to the caller, so one broken source cannot stop the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from jobs import metrics
from jobs.fetch.fetcher import FetchError
from jobs.fetch.pages import Fetch, Parse, PollLimits, walk_pages
from jobs.itemevents import item_events
from jobs.observation import Observation
from jobs.schedule import healthlog
from jobs.schedule.claim import claim
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourcestate import SourceState, after_failure, after_fetch
from jobs.schedule.staterepo import load_state, save_state
from jobs.sources.itemfilter import on_topic
from service.clock import Clock, utcnow
from service.db import WRITE
from service.errors import SourceError
from service.events import NewEvent, StoredEvent
from service.projections.items import known_items
from service.store import EventStore

log = structlog.get_logger("crownlog.poll")
#: Driver errors that mean the database, not the source, failed (server down or restarting).
DATABASE_DOWN = (OperationalError, InterfaceError)
RECOUNTED = frozenset({"hf-model"})


#: Turns a poll's observations into domain events (extraction); runs inside the transaction.
Interpreter = Callable[[Connection, SourceConfig, Sequence[Observation], datetime], list[NewEvent]]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did, for the summary table, the log line and the metrics."""

    source_id: str
    status: str  # ok | not_modified | error | busy | not_due | unavailable (the database)
    items: int = 0
    appended: int = 0
    bytes: int = 0
    duration: float = 0.0
    error: str | None = None
    next_due_at: datetime | None = None
    polled_at: datetime | None = None
    consecutive_errors: int = 0


class Poller:
    """Polls sources into the log."""

    def __init__(
        self,
        store: EventStore,
        fetcher: Fetch,
        parser: Parse,
        interpreters: Sequence[Interpreter] = (),
        clock: Clock = utcnow,
        limits: PollLimits | None = None,
    ) -> None:
        self._limits = limits or PollLimits()
        self._store = store
        self._fetcher = fetcher
        self._parser = parser
        self._interpreters = list(interpreters)
        self._clock = clock

    @property
    def engine(self) -> Engine:
        """The database the poller appends to (its sources' state lives there too)."""
        return self._store.engine

    def poll(self, source: SourceConfig, only_if_due: bool = False) -> PollOutcome:
        """Poll ``source`` once (unless another worker holds it, or it is not yet due)."""
        structlog.contextvars.bind_contextvars(source_id=source.id)
        started = time.perf_counter()
        try:
            with claim(self._store.engine, source.id) as claimed:
                if not claimed:
                    return PollOutcome(source.id, "busy")
                outcome = self._poll_claimed(source, only_if_due, started)
        except DATABASE_DOWN as exc:
            # Not the source's fault: nothing is recorded against it, the next run retries.
            metrics.DATABASE_UNAVAILABLE.inc()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            log.warning("poll skipped: database unavailable", source=source.id,
                        error=reason[0] if reason else repr(exc))  # fmt: skip
            return PollOutcome(source.id, "unavailable", error="database unavailable")
        finally:
            structlog.contextvars.unbind_contextvars("source_id")
        if outcome.status not in ("busy", "not_due"):
            _record(outcome)
        return outcome

    def _poll_claimed(self, source: SourceConfig, only_if_due: bool, started: float) -> PollOutcome:
        with self._store.engine.connect() as conn:
            state = load_state(conn, source.id)
        now = self._clock()
        if only_if_due and state.next_due_at is not None and state.next_due_at > now:
            return PollOutcome(source.id, "not_due", next_due_at=state.next_due_at)
        try:
            return self._fetch_and_store(source, state, now, started)
        except SourceError as exc:
            return self._fail(source, state, now, started, str(exc), exc)
        except DATABASE_DOWN:
            raise
        except Exception as exc:  # a bug in one adapter must not stop the worker
            log.exception("poll crashed", source=source.id)
            return self._fail(source, state, now, started, f"internal error: {exc!r}", exc)

    def _fetch_and_store(
        self, source: SourceConfig, state: SourceState, now: datetime, started: float
    ) -> PollOutcome:
        deadline = time.monotonic() + self._limits.deadline
        result = self._fetcher.fetch(
            state.url_for(source), state.etag, state.last_modified, deadline
        )
        if result.status == 304 or result.body is None:
            new_state = after_fetch(
                state,
                source,
                now,
                status="not_modified",
                http_status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
                permanent_redirect=result.permanent_redirect,
                hint_seconds=result.max_age,
            )
            with self._store.engine.connect() as conn, conn.begin():
                save_state(conn, new_state)
                healthlog.record(conn, state, new_state, now)
            return self._done(source.id, "not_modified", new_state, started)
        parsed = walk_pages(
            self._fetcher, self._parser, source, result, now, deadline, self._limits
        )
        with self._store.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            appended = self.ingest_in(conn, source, parsed.observations, now)
            new_state = after_fetch(
                state,
                source,
                now,
                status="ok",
                http_status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
                permanent_redirect=result.permanent_redirect,
                hint_seconds=max(filter(None, (result.max_age, parsed.ttl_seconds)), default=None),
                items_seen=len(parsed.observations),
                appended=len(appended),
                bozo_reason=parsed.bozo_reason,
            )
            save_state(conn, new_state)
            healthlog.record(conn, state, new_state, now)
        return self._done(
            source.id,
            "ok",
            new_state,
            started,
            len(parsed.observations),
            len(appended),
            len(result.body),
        )

    def ingest(
        self, source: SourceConfig, observations: Sequence[Observation], now: datetime
    ) -> list[StoredEvent]:
        """Append what ``observations`` add to the log, in one transaction (backfill uses it)."""
        with self._store.engine.connect() as conn, conn.execution_options(**WRITE).begin():
            return self.ingest_in(conn, source, observations, now)

    def ingest_in(
        self,
        conn: Connection,
        source: SourceConfig,
        observations: Sequence[Observation],
        now: datetime,
    ) -> list[StoredEvent]:
        """Item events, then what the interpreters derive, appended in the caller's transaction.
        Items off the source's ``filter`` are left out (``jobs.sources.itemfilter``)."""
        observations = on_topic(source.filter, observations)
        known = known_items(conn, source.id)
        events = item_events(source, observations, known, now)
        # Items seen unchanged say nothing new, except listings whose counts move (downloads).
        changed = [
            o for o in observations if o.kind in RECOUNTED or known.get(o.item_id) != o.sha256
        ]
        for interpret in self._interpreters:
            events.extend(interpret(conn, source, changed, now))
        return self._store.append_in(conn, events).appended

    def _fail(
        self,
        source: SourceConfig,
        state: SourceState,
        now: datetime,
        started: float,
        message: str,
        exc: Exception,
    ) -> PollOutcome:
        status = exc.status if isinstance(exc, FetchError) else None
        retry_after = getattr(exc, "retry_after", None)
        new_state = after_failure(state, source, now, message, status, retry_after)
        with self._store.engine.connect() as conn, conn.begin():
            save_state(conn, new_state)
            healthlog.record(conn, state, new_state, now)
        return PollOutcome(
            source.id,
            "error",
            duration=time.perf_counter() - started,
            error=message,
            next_due_at=new_state.next_due_at,
            polled_at=now,
            consecutive_errors=new_state.consecutive_errors,
        )

    def _done(
        self,
        source_id: str,
        status: str,
        state: SourceState,
        started: float,
        items: int = 0,
        appended: int = 0,
        size: int = 0,
    ) -> PollOutcome:
        return PollOutcome(
            source_id,
            status,
            items,
            appended,
            size,
            time.perf_counter() - started,
            next_due_at=state.next_due_at,
            polled_at=state.last_poll_at,
        )


def _record(outcome: PollOutcome) -> None:
    metrics.POLLS.labels(outcome.source_id, outcome.status).inc()
    metrics.POLL_SECONDS.observe(outcome.duration)
    metrics.POLL_BYTES.labels(outcome.source_id).inc(outcome.bytes)
    metrics.EVENTS_APPENDED.labels(outcome.source_id).inc(outcome.appended)
    if outcome.status == "error":
        metrics.POLL_ERRORS.labels(outcome.source_id).inc()
    log.log(
        30 if outcome.status == "error" else 20,
        "poll",
        source=outcome.source_id,
        status=outcome.status,
        bytes=outcome.bytes,
        items=outcome.items,
        appended=outcome.appended,
        duration=round(outcome.duration, 3),
        polled_at=outcome.polled_at.isoformat() if outcome.polled_at else None,
        next_due=outcome.next_due_at.isoformat() if outcome.next_due_at else None,
        error=outcome.error,
    )
