"""The ``crownlog`` command line (docs/design.md §6): one typer app, sub-commands beside it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from service import __version__
from service.cli import audit, db, events, follow, notify, ops, reads, replay, serve
from service.cli.context import CliContext
from service.errors import CrownlogError

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
app.add_typer(notify.app, name="notify")
serve.register(app)
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
    """Entry point of the console script: crownlog errors become a message and an exit code."""
    try:
        app()
    except CrownlogError as exc:
        print(f"crownlog: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
