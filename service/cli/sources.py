"""``crownlog sources``: every source's poll state; ``sources check FILE``: validate a file."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.table import Table

from service.cli.context import context
from service.cli.timeopts import CSV
from service.tables import TABLES

app = typer.Typer(help="Per-source poll state; check a sources file.")


@app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    demo: bool = typer.Option(False, "--demo", help="Use the bundled demo sources."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    as_csv: bool = CSV,
) -> None:
    """Per-source poll state: last poll, status, errors, next due time. A broken sources file
    is named (file, line, reason) with the state the database holds, and exits 4."""
    if ctx.invoked_subcommand is not None:
        return
    from jobs.runtime import sources_path
    from jobs.schedule.sourceset import SourceSet
    from jobs.schedule.sourcestatus import source_rows, stored_rows

    services = context(ctx).services()
    source_set = SourceSet(sources_path(services, demo))
    source_set.reload()
    error = source_set.error
    rows = (
        stored_rows(services.engine) if error else source_rows(services.engine, source_set.sources)
    )
    if as_csv:
        typer.echo(TABLES["sources"].render({"items": rows}), nl=False)
    elif as_json:
        typer.echo(orjson.dumps({"items": rows, "next": None, "sources_file": source_set.status()}))
    else:
        _print_table(rows)
    if error is not None:
        typer.echo(f"crownlog: error: sources file invalid: {error}", err=True)
        typer.echo(
            "  running workers keep their last valid sources; fix the file, then "
            "`crownlog sources check FILE` and SIGHUP the workers",
            err=True,
        )
        raise typer.Exit(4)


def _print_table(rows: list[dict[str, object]]) -> None:
    table = Table("source", "kind", "status", "errors", "last poll", "next due", "last error")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["kind"] or "?"),
            str(row["last_status"] or "never"),
            str(row["consecutive_errors"]),
            str(row["last_poll_at"] or ""),
            str(row["next_due_at"] or ""),
            str(row["last_error"] or "")[:80],
        )
    Console().print(table)


@app.command()
def check(
    file: Path = typer.Argument(..., help="A sources.toml to validate (nothing is polled)."),
) -> None:
    """Validate FILE: exit 0 with a summary, or print one `file:line: reason` per problem and
    exit 4."""
    from jobs.schedule.sourceload import SourceFileError, load_sources

    try:
        configured = load_sources(file)
    except SourceFileError as exc:
        for line in exc.lines():
            typer.echo(line, err=True)
        raise typer.Exit(4) from None
    enabled = sum(source.enabled for source in configured)
    typer.echo(f"{file}: {len(configured)} sources, {enabled} enabled: valid")


@app.command()
def schema() -> None:
    """Print the JSON Schema of sources.toml (the bundled config/sources.schema.json)."""
    from jobs.schedule.sourceschema import schema_json

    typer.echo(schema_json(), nl=False)
