"""``crownlog poll`` and ``crownlog backfill``: poll sources now, ingest archived snapshots."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.table import Table

from service.cli.context import context
from service.clock import format_time
from service.errors import DatabaseUnavailable


def register(app: typer.Typer) -> None:
    app.command()(poll)
    app.command()(backfill)


def poll(
    ctx: typer.Context,
    source_ids: list[str] = typer.Argument(None, help="Sources to poll (default: all enabled)."),
    demo: bool = typer.Option(False, "--demo", help="Use the bundled demo sources."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, help="Polls run at once."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    derived: bool = typer.Option(
        True, "--derived/--no-derived", help="Then run the due Hugging Face fetches ([hf])."
    ),
) -> None:
    """Poll sources once now and print what each appended (then the derived fetches).

    Exits 1 if any poll failed (the table names each), 3 if the database stopped answering."""
    from jobs.runtime import build_ingestion, enabled_sources, sources_path

    services = context(ctx).services(upgrade_empty=True)
    configured = enabled_sources(sources_path(services, demo))
    if source_ids:
        unknown = sorted(set(source_ids) - {source.id for source in configured})
        if unknown:
            raise typer.BadParameter(f"unknown source ids: {', '.join(unknown)}")
        configured = [source for source in configured if source.id in source_ids]
    ingestion = build_ingestion(services, demo=demo)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(ingestion.poller.poll, configured))
        if derived:
            # What the polls taught (repository links, weights repositories) may call for a
            # Hugging Face fetch: verification, model cards (jobs.schedule.derived).
            outcomes += ingestion.derived.run()
    finally:
        ingestion.close()
    if as_json:
        typer.echo(orjson.dumps([_outcome_dict(outcome) for outcome in outcomes]))
    else:
        table = Table("source", "status", "items", "appended", "seconds", "error")
        for o in outcomes:
            table.add_row(
                o.source_id,
                o.status,
                str(o.items),
                str(o.appended),
                f"{o.duration:.2f}",
                o.error or "",
            )
        Console().print(table)
        total = sum(o.appended for o in outcomes)
        failed = sum(o.status == "error" for o in outcomes)
        extra = len(outcomes) - len(configured)
        fetched = f", {extra} derived fetches" if extra else ""
        typer.echo(
            f"{len(configured)} sources polled{fetched}, {total} events appended, {failed} failed"
        )
    if any(o.status == "unavailable" for o in outcomes):
        raise DatabaseUnavailable("the database stopped answering during the polls; run again")
    if any(o.status == "error" for o in outcomes):
        raise typer.Exit(1)


def _outcome_dict(outcome: object) -> dict[str, object]:
    from dataclasses import asdict

    value = asdict(outcome)  # type: ignore[call-overload]
    if value["next_due_at"] is not None:
        value["next_due_at"] = format_time(value["next_due_at"])
    return value


def backfill(
    ctx: typer.Context,
    source_id: str = typer.Argument(..., help="The source the snapshots belong to."),
    paths: list[Path] = typer.Argument(
        None, help="Snapshot files (JSON, CSV, Parquet); default: the source's `archive` glob."
    ),
    demo: bool = typer.Option(False, "--demo", help="Look the source up in the demo sources."),
) -> None:
    """Ingest archived snapshots of SOURCE_ID in as_of order (re-runs append nothing new)."""
    from jobs.backfill import backfill as run_backfill
    from jobs.runtime import build_ingestion, enabled_sources, sources_path

    services = context(ctx).services(upgrade_empty=True)
    sources = {source.id: source for source in enabled_sources(sources_path(services, demo))}
    if source_id not in sources:
        raise typer.BadParameter(f"unknown source id {source_id!r}")
    from jobs.runtime import archive_files

    paths = paths or archive_files(sources[source_id])
    if not paths:
        raise typer.BadParameter(f"no files given and source {source_id!r} has no `archive`")
    ingestion = build_ingestion(services, demo=demo)
    try:
        report = run_backfill(
            ingestion.poller, sources[source_id], paths, ingestion.sandbox, services.clock()
        )
    finally:
        ingestion.close()
    typer.echo(
        f"{report.files} files, {report.snapshots} snapshots, {report.appended} events appended"
    )
