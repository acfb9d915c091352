"""``crownlog worker``: poll on schedule (no API), with an optional health/metrics listener."""

from __future__ import annotations

import signal
import threading

import structlog
import typer

from service.cli.context import context
from service.cli.hangup import Hangups
from service.cli.polling import read_sources, start_polling
from service.probes import ProbeServer

log = structlog.get_logger("crownlog")


def register(app: typer.Typer) -> None:
    app.command()(worker)


def worker(
    ctx: typer.Context,
    demo: bool = typer.Option(False, "--demo", help="Poll the bundled demo sources."),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        min=0,
        max=65535,
        help="Serve /healthz, /readyz and /metrics on this port (default: [worker] metrics_port;"
        " unset: no listener).",
    ),
    metrics_host: str | None = typer.Option(
        None,
        "--metrics-host",
        help="Bind address of the listener (default: [worker] metrics_host).",
    ),
) -> None:
    """Poll sources on schedule (no API). Several may share one PostgreSQL database."""
    hangups = Hangups.install()  # SIGHUP re-reads the sources file, never ends the process
    import jobs.metrics  # noqa: F401  (registers the poll metrics the listener exports)

    sources = read_sources(context(ctx).settings, demo)
    services = context(ctx).services()
    settings = services.settings.worker
    polling = start_polling(services, sources, demo)
    hangups.route(polling.scheduler.reload)
    port = metrics_port if metrics_port is not None else settings.metrics_port
    probes = None
    if port is not None:
        probes = ProbeServer(
            metrics_host or settings.metrics_host, port, services.engine, polling.health
        )
        probes.start()
        log.info(
            "health and metrics listener",
            url=f"http://{metrics_host or settings.metrics_host}:{probes.port}/metrics",
        )
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    log.info("worker running; SIGHUP reloads sources, SIGTERM stops")
    done.wait()
    log.info("worker stopping: finishing polls in flight")
    polling.stop()
    if probes is not None:
        probes.stop()
    services.close()
