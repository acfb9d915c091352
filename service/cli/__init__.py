"""The ``crownlog`` command line (docs/design.md §6): one typer app, sub-commands beside it."""

from __future__ import annotations

from pathlib import Path

import typer

from service import __version__
from service.cli import (
    audit,
    db,
    events,
    exits,
    follow,
    notify,
    ops,
    reads,
    replay,
    serve,
    sources,
    worker,
)
from service.cli.context import CliContext

app = typer.Typer(
    name="crownlog",
    help="An auditable, replayable record of the open-weights AI model race.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    add_completion=True,
)
app.add_typer(db.app, name="db")
app.add_typer(events.app, name="events")
app.add_typer(audit.app, name="audit")
app.add_typer(sources.app, name="sources")
app.add_typer(notify.app, name="notify")
serve.register(app)
worker.register(app)
ops.register(app)
reads.register(app)
follow.register(app)
replay.register(app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"crownlog {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", help="Settings file (default: $CROWNLOG_CONFIG or config/crownlog.toml)."
    ),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    ctx.obj = CliContext(config)


def main() -> None:
    """Entry point of the console script: every failure becomes one line and an exit code
    (``service.cli.exits``)."""
    exits.run(app, CliContext.database_url_in_use)
