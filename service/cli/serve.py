"""``crownlog serve``: the API and dashboard, and (unless --no-scheduler) polling on schedule."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog
import typer

from service.bootstrap import Services
from service.cli.context import context
from service.cli.hangup import Hangups
from service.cli.polling import read_sources, start_polling

if TYPE_CHECKING:
    from jobs.schedule.sourceset import SourceSet

log = structlog.get_logger("crownlog")


def register(app: typer.Typer) -> None:
    app.command()(serve)


class ApiWiring:
    """What the API needs from ``jobs`` (which ``service.api`` must not import), as callables:
    the sources with their state, the sources file's state, and a poll of one source now (its
    poller built on first use). The sources file is re-read when it changed on disk; a broken
    one keeps the last valid sources and is reported (``sources_status``)."""

    def __init__(self, services: Services, sources: SourceSet, demo: bool = False) -> None:
        import jobs.metrics  # noqa: F401  (registers the poll metrics that /metrics exposes)
        from jobs.notify.metrics import expose

        self._services = services
        self._set = sources
        self._demo = demo
        self._lock = threading.Lock()
        self._built: list[Any] = []
        expose(services.engine)  # notification counts at /metrics

    def sources(self) -> list[dict[str, Any]]:
        from jobs.schedule.sourcestatus import source_rows

        self._set.refresh()
        return source_rows(self._services.engine, self._set.sources)

    def sources_status(self) -> dict[str, Any]:
        self._set.refresh()
        return self._set.status()

    def poll_now(self, source_id: str) -> dict[str, Any] | None:
        from dataclasses import asdict

        from jobs.runtime import build_ingestion
        from service.clock import format_time

        self._set.refresh()
        source = next((s for s in self._set.sources if s.id == source_id), None)
        if source is None:
            return None
        with self._lock:
            if not self._built:
                self._built.append(build_ingestion(self._services, demo=self._demo))
        outcome = asdict(self._built[0].poller.poll(source))
        for key in ("next_due_at", "polled_at"):
            if outcome[key] is not None:
                outcome[key] = format_time(outcome[key])
        return outcome

    def close(self) -> None:
        from jobs.notify.metrics import expose

        expose(None)
        with self._lock:
            for ingestion in self._built:
                ingestion.close()


def api_wiring(services: Services, demo: bool = False) -> ApiWiring:
    """The wiring of ``serve``: the sources file read (``SourceFileError`` if broken)."""
    return ApiWiring(services, read_sources(services.settings, demo), demo)


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
    from service.api.httpguard import guarded_protocol

    hangups = Hangups.install()  # SIGHUP re-reads the sources file, never ends the process
    sources = read_sources(context(ctx).settings, demo)
    services = context(ctx).services(upgrade_empty=True)
    settings = services.settings
    stop: Callable[[], None] | None = None
    if no_scheduler:
        hangups.route(sources.reload)
    else:
        polling = start_polling(services, sources, demo)
        hangups.route(polling.scheduler.reload)
        stop = polling.stop
    wiring = ApiWiring(services, sources, demo)
    bind_host, bind_port = host or settings.api.host, port or settings.api.port
    log.info("serving", url=f"http://{bind_host}:{bind_port}/", scheduler=not no_scheduler)
    app = create_app(
        services,
        sources=wiring.sources,
        poll_now=wiring.poll_now,
        sources_status=wiring.sources_status,
    )
    try:
        uvicorn.run(
            app,
            host=bind_host,
            port=bind_port,
            log_config=None,
            access_log=False,
            # Open event streams would otherwise hold a SIGTERM until they end.
            timeout_graceful_shutdown=5,
            # Limits on heads, slow and idle connections (docs/operations.md, [http]).
            http=guarded_protocol(settings.http),
            timeout_keep_alive=settings.http.keep_alive,
            limit_concurrency=settings.http.max_connections,
        )
    finally:
        wiring.close()
        if stop is not None:
            stop()
        services.close()
