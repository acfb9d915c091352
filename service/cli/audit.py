"""``crownlog audit``: prove the log (and the projections folded from it) intact."""

from __future__ import annotations

import orjson
import typer

from service.audit import audit
from service.cli.context import context
from service.cli.progress import progress_bar

app = typer.Typer(help="Audit the log.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the hash chain, replay every projection and compare it with the stored tables,
    and trace every catalog fact to an event with a source; exit 1 on any problem."""
    store = context(ctx).services().store
    head = store.head()[0]
    with progress_bar("verifying chain", head) as advance:
        report = audit(store, advance)
    if as_json:
        typer.echo(orjson.dumps({**report.as_dict(), "head": head}))
    elif report.ok:
        typer.echo(f"chain intact: {report.events} events, head {head}")
        typer.echo(
            f"projections match a replay: {report.rows_checked} rows; "
            f"{report.facts_traced} facts traced to sourced events"
        )
        for name, pair in report.digests.items():
            typer.echo(f"  {name:<10} {pair['stored']}")
    else:
        if report.first_bad_position is not None:
            typer.echo(f"chain BROKEN at position {report.first_bad_position}", err=True)
        else:
            typer.echo(
                "the chain holds, but the log's meaning or the projections do NOT check out:",
                err=True,
            )
        for problem in report.problems:
            typer.echo(f"  {problem}", err=True)
        typer.echo(
            "  the log: restore from a backup (crownlog events import); "
            "the projections: crownlog replay",
            err=True,
        )
    if not report.ok:
        raise typer.Exit(1)
