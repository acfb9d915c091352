"""``crownlog audit``: prove the log (and the projections folded from it) intact."""

from __future__ import annotations

import orjson
import typer

from service.audit import verify_chain
from service.cli.context import context
from service.cli.progress import progress_bar

app = typer.Typer(help="Audit the log.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the hash chain from position 1; exit 1 naming the first bad position."""
    store = context(ctx).services().store
    head = store.head()[0]
    with progress_bar("verifying chain", head) as advance:
        report = verify_chain(store, on_event=lambda _event: advance(1))
    if as_json:
        typer.echo(
            orjson.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "head": head,
                    "first_bad_position": report.first_bad_position,
                    "problems": report.problems,
                }
            )
        )
    elif report.ok:
        typer.echo(f"chain intact: {report.events} events, head {head}")
    else:
        typer.echo(f"chain BROKEN at position {report.first_bad_position}", err=True)
        for problem in report.problems:
            typer.echo(f"  {problem}", err=True)
        typer.echo(
            "  restore from a backup (crownlog events import) or investigate the database",
            err=True,
        )
    if not report.ok:
        raise typer.Exit(1)
