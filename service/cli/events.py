"""``crownlog events``: export and import the log as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from service.cli.context import context
from service.transfer import export_csv, export_events, import_events

app = typer.Typer(help="Export and import the event log (JSON Lines).", no_args_is_help=True)


@app.command("export")
def export_(
    ctx: typer.Context,
    after: int = typer.Option(0, "--after", min=0, help="Only events after this position."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    as_csv: bool = typer.Option(
        False, "--csv", help="CSV, one event a row (for reading, not for import)."
    ),
) -> None:
    """Write every event after --after, one JSON envelope per line (or a CSV row)."""
    store = context(ctx).services().store
    write = export_csv if as_csv else export_events
    if output is None:
        count = write(store, sys.stdout.buffer, after)
        sys.stdout.flush()
    else:
        with output.open("wb") as handle:
            count = write(store, handle, after)
    typer.echo(f"exported {count} events", err=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    clamp_time: bool = typer.Option(
        False,
        "--clamp-time",
        help="Raise a recorded_at that runs backwards to the time before it (recomputing the "
        "chain) instead of refusing the file.",
    ),
) -> None:
    """Append an export file to the log; a file that fails any check writes nothing."""
    store = context(ctx).services(upgrade_empty=True).store
    typer.echo(f"verifying {file} …", err=True)
    imported = import_events(store, file, clamp_time)
    typer.echo(f"imported {imported.events} events; head is now {store.head()[0]}")
    if imported.clamped:
        typer.echo(
            f"{imported.clamped} recorded_at times ran backwards and were raised (--clamp-time); "
            "the imported events carry new hashes",
            err=True,
        )
