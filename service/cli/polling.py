"""What ``serve`` and ``worker`` share: the sources file read at start-up, and polling on
schedule (SIGHUP reloads through ``service.cli.hangup``). (``jobs`` is imported when a command
needs it, so that ``crownlog --version`` and shell completion stay quick.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from service.bootstrap import Services
from service.settings import Settings

if TYPE_CHECKING:
    from jobs.schedule.scheduler import PollScheduler
    from jobs.schedule.sourceset import SourceSet

log = structlog.get_logger("crownlog")


def read_sources(settings: Settings, demo: bool) -> SourceSet:
    """The sources file, read once, before the database is touched: a broken file stops
    start-up (``SourceFileError``, exit 4)."""
    from jobs.runtime import sources_file
    from jobs.schedule.sourceset import SourceSet

    sources = SourceSet(sources_file(settings, demo))
    sources.load()
    return sources


@dataclass
class Polling:
    """A running scheduler and how to stop it (polls in flight finish first)."""

    scheduler: PollScheduler
    sources: SourceSet
    stop: Callable[[], None]

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Alive while the scheduler runs; the body names its jobs and the sources file."""
        running = self.scheduler.running
        return running, {
            "scheduler": "running" if running else "stopped",
            "jobs": len(self.scheduler.source_ids),
            "sources_file": self.sources.status(),
        }


def start_polling(services: Services, sources: SourceSet, demo: bool = False) -> Polling:
    """Backfill archives, schedule every enabled source (and the derived fetches), follow the
    log for alerts. The caller routes SIGHUP to ``polling.scheduler.reload``."""
    from jobs.notify.follower import build_follower
    from jobs.runtime import backfill_archives, build_ingestion
    from jobs.schedule.scheduler import PollScheduler
    from jobs.schedule.workerlock import WorkerLock

    lock = WorkerLock(services.engine)
    lock.acquire()
    follower = build_follower(services)  # [[notify]] targets: alerts from the log
    ingestion = build_ingestion(services, demo=demo)
    appended = backfill_archives(ingestion, services, sources.enabled)
    if appended:
        log.info("archives backfilled", appended=appended)
    scheduler = PollScheduler(ingestion.poller, sources, derived=ingestion.derived.run)
    scheduler.start()
    if follower is not None:
        follower.start()

    def stop() -> None:
        scheduler.shutdown(wait=True)
        if follower is not None:
            follower.stop()
        ingestion.close()
        lock.release()

    return Polling(scheduler, sources, stop)
