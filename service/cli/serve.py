"""``crownlog serve`` (API + scheduler) and ``crownlog worker`` (scheduler only)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import structlog
import typer

from service.cli.context import context

log = structlog.get_logger("crownlog")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)


def _start_scheduler(services: Any, demo: bool) -> Any:
    from jobs.runtime import build_ingestion, sources_path
    from jobs.scheduler import PollScheduler
    from jobs.workerlock import WorkerLock

    lock = WorkerLock(services.engine)
    lock.acquire()
    ingestion = build_ingestion(services)
    scheduler = PollScheduler(ingestion.poller, sources_path(services, demo))
    scheduler.start()
    signal.signal(signal.SIGHUP, lambda *_: scheduler.reload())

    def stop() -> None:
        scheduler.shutdown(wait=True)
        ingestion.close()
        lock.release()

    return stop


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
    bind_host, bind_port = host or settings.api.host, port or settings.api.port
    log.info("serving", url=f"http://{bind_host}:{bind_port}/", scheduler=not no_scheduler)
    try:
        uvicorn.run(
            create_app(services),
            host=bind_host,
            port=bind_port,
            log_config=None,
            access_log=False,
        )
    finally:
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
