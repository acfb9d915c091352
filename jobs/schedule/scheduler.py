"""The poll scheduler (APScheduler 3.x): one interval job per source.

Jobs run with ``max_instances=1``, coalescing and a misfire grace time, and start with a
jitter so that many sources do not fire at once. A job polls only when the source is due by
its shared state (so restarts, backoff and several workers agree). One more job runs the
derived fetches (``jobs.schedule.derived``) every two minutes. ``reload`` re-reads the
sources file and adds, removes or reschedules jobs without a restart; a broken file keeps the
jobs as they are (``SourceSet``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs import metrics
from jobs.poll import Poller
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourceset import SourceSet

log = structlog.get_logger("crownlog.scheduler")
MISFIRE_GRACE = 300
DERIVED_JOB = "derived-fetches"
DERIVED_EVERY = 120
DERIVED_FIRST = 30


class PollScheduler:
    """Keeps one job per enabled source of a sources file."""

    def __init__(
        self,
        poller: Poller,
        sources: SourceSet,
        threads: int = 8,
        derived: Callable[[], object] | None = None,
    ) -> None:
        self._poller = poller
        self._set = sources
        self._derived = derived
        self._sources: dict[str, SourceConfig] = {}
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(threads)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
            timezone=UTC,
        )

    def start(self) -> None:
        """Schedule the set's enabled sources and start polling (first polls within seconds)."""
        self._apply()
        if self._derived is not None:
            # Derived fetches (jobs.schedule.derived): each target keeps its own due time.
            self._scheduler.add_job(
                self._derived,
                IntervalTrigger(seconds=DERIVED_EVERY, jitter=10),
                id=DERIVED_JOB,
                name=DERIVED_JOB,
                next_run_time=datetime.now(UTC) + timedelta(seconds=DERIVED_FIRST),
                replace_existing=True,
            )
        self._scheduler.start()
        log.info("scheduler started", sources=len(self._sources), file=str(self._set.path))

    def reload(self) -> None:
        """Re-read the sources file; a broken file keeps the current jobs (``SourceSet``).

        Called from a signal handler, so nothing may escape: an unexpected failure is logged.
        """
        try:
            if self._set.reload():
                self._apply()
        except Exception:
            log.exception("sources reload failed; the current jobs stay")

    def _apply(self) -> None:
        wanted = {source.id: source for source in self._set.enabled}
        for source_id in set(self._sources) - set(wanted):
            self._scheduler.remove_job(source_id)
            log.info("source removed", source=source_id)
        for source_id, source in wanted.items():
            if self._sources.get(source_id) == source:
                continue
            if source_id in self._sources:
                self._scheduler.remove_job(source_id)
            self._add(source)
            log.info("source scheduled", source=source_id, every=str(source.every))
        self._sources = wanted
        metrics.SCHEDULER_JOBS.set(len(wanted))

    def _add(self, source: SourceConfig) -> None:
        seconds = source.every.total_seconds()
        first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, min(5.0, seconds)))
        self._scheduler.add_job(
            self._poller.poll,
            IntervalTrigger(seconds=seconds, jitter=min(seconds * 0.1, 60)),
            args=[source],
            kwargs={"only_if_due": True},
            id=source.id,
            name=source.id,
            next_run_time=first,
            replace_existing=True,
        )

    @property
    def source_ids(self) -> list[str]:
        return sorted(self._sources)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait`` the polls in flight finish (their appends are atomic)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        log.info("scheduler stopped")
