"""``crownlog serve`` (API + scheduler) and ``crownlog worker`` (scheduler only)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

import structlog
import typer

from service.cli.context import context

log = structlog.get_logger("crownlog")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)


def _start_scheduler(services: Any, demo: bool) -> Any:
    from jobs.notify.follower import build_follower
    from jobs.runtime import backfill_archives, build_ingestion, enabled_sources, sources_path
    from jobs.schedule.scheduler import PollScheduler
    from jobs.schedule.workerlock import WorkerLock

    lock = WorkerLock(services.engine)
    lock.acquire()
    follower = build_follower(services)  # [[notify]] targets: alerts from the log
    ingestion = build_ingestion(services, demo=demo)
    path = sources_path(services, demo)
    appended = backfill_archives(ingestion, services, enabled_sources(path))
    if appended:
        log.info("archives backfilled", appended=appended)
    scheduler = PollScheduler(ingestion.poller, path, derived=ingestion.derived.run)
    scheduler.start()
    signal.signal(signal.SIGHUP, lambda *_: scheduler.reload())
    if follower is not None:
        follower.start()

    def stop() -> None:
        scheduler.shutdown(wait=True)
        if follower is not None:
            follower.stop()
        ingestion.close()
        lock.release()

    return stop


def _api_wiring(
    services: Any, demo: bool
) -> tuple[
    Callable[[], list[dict[str, Any]]],
    Callable[[str], dict[str, Any] | None],
    Callable[[], None],
]:
    """What the API needs from ``jobs`` (which ``service.api`` must not import), as callables:
    the sources with their state, and a poll of one source now (its poller built on first use).
    Returns ``(sources, poll_now, close)``."""
    from dataclasses import asdict

    from prometheus_client import REGISTRY

    import jobs.metrics  # noqa: F401  (registers the poll metrics that /metrics exposes)
    from jobs.notify.metrics import NotifyCollector
    from jobs.runtime import Ingestion, build_ingestion, sources_path
    from jobs.schedule.sourcefile import load_sources
    from jobs.schedule.sourcestatus import source_rows
    from service.clock import format_time

    path = sources_path(services, demo)
    lock = threading.Lock()
    built: list[Ingestion] = []
    notify_metrics = NotifyCollector(services.engine)
    REGISTRY.register(notify_metrics)

    def sources() -> list[dict[str, Any]]:
        return source_rows(services.engine, load_sources(path))

    def poll_now(source_id: str) -> dict[str, Any] | None:
        source = next((s for s in load_sources(path) if s.id == source_id), None)
        if source is None:
            return None
        with lock:
            if not built:
                built.append(build_ingestion(services, demo=demo))
        outcome = asdict(built[0].poller.poll(source))
        for key in ("next_due_at", "polled_at"):
            if outcome[key] is not None:
                outcome[key] = format_time(outcome[key])
        return outcome

    def close() -> None:
        REGISTRY.unregister(notify_metrics)
        with lock:
            for ingestion in built:
                ingestion.close()

    return sources, poll_now, close


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Bind address (default: [api] host)."),
    port: int | None = typer.Option(None, "--port", help="Port (default: [api] port)."),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Serve the API only."),
    demo: bool = typer.Option(False, "--demo", help="Poll the bundled demo sources."),
) -> None:
    """Serve the API and dashboard, and poll sources on schedule (unless --no-scheduler)."""
    import uvicorn

    from service.api.app import create_app

    services = context(ctx).services(upgrade_empty=True)
    settings = services.settings
    stop = None if no_scheduler else _start_scheduler(services, demo)
    sources, poll_now, close_api = _api_wiring(services, demo)
    bind_host, bind_port = host or settings.api.host, port or settings.api.port
    log.info("serving", url=f"http://{bind_host}:{bind_port}/", scheduler=not no_scheduler)
    try:
        uvicorn.run(
            create_app(services, sources=sources, poll_now=poll_now),
            host=bind_host,
            port=bind_port,
            log_config=None,
            access_log=False,
            # Open event streams would otherwise hold a SIGTERM until they end.
            timeout_graceful_shutdown=5,
        )
    finally:
        close_api()
        if stop is not None:
            stop()
        services.close()


def worker(
    ctx: typer.Context,
    demo: bool = typer.Option(False, "--demo", help="Poll the bundled demo sources."),
) -> None:
    """Poll sources on schedule (no API). Several may share one PostgreSQL database."""
    services = context(ctx).services()
    stop = _start_scheduler(services, demo)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    log.info("worker running; SIGHUP reloads sources, SIGTERM stops")
    done.wait()
    log.info("worker stopping: finishing polls in flight")
    stop()
    services.close()
