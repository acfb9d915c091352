"""``crownlog notify``: send a sample, see deliveries and failures, re-send a range."""

from __future__ import annotations

from dataclasses import asdict

import orjson
import typer
from rich.console import Console
from rich.table import Table

from service.cli.context import context
from service.cli.progress import progress_bar
from service.cli.timeopts import JSON
from service.clock import format_time, parse_time

app = typer.Typer(help="Alert targets ([[notify]] in crownlog.toml).", no_args_is_help=True)


@app.command("test")
def test_(ctx: typer.Context, name: str = typer.Argument(..., help="A [[notify]] target.")) -> None:
    """Send a sample alert to target NAME now; exit 1 if it was not delivered."""
    from jobs.notify.replay import sample

    ok, error, delivery = sample(context(ctx).services(upgrade_empty=True), name)
    if not ok:
        typer.echo(f"crownlog: error: test delivery to {name!r} failed: {error}", err=True)
        typer.echo("check the target's URL and secret, then run `crownlog notify test` again")
        raise typer.Exit(1)
    typer.echo(f"delivered test {delivery} to {name}")


@app.command("log")
def log_(
    ctx: typer.Context,
    target: str | None = typer.Option(None, "--target", help="Only this target."),
    failed: bool = typer.Option(False, "--failed", help="Only failed attempts."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Newest N attempts."),
    as_json: bool = JSON,
) -> None:
    """Delivery attempts, newest first, and every target's state."""
    from jobs.notify import targetstore

    services = context(ctx).services(upgrade_empty=True)
    with services.engine.connect() as conn:
        rows = targetstore.attempts(conn, target, limit, failed)
        states = [asdict(state) for state in targetstore.load_all(conn)]
    for state in states:
        for key, value in state.items():
            if hasattr(value, "isoformat"):
                state[key] = format_time(value)
    if as_json:
        typer.echo(orjson.dumps({"targets": states, "items": rows, "next": None}))
        return
    console = Console()
    summary = Table("target", "position", "delivered", "failed", "errors in a row", "next try")
    for s in states:
        summary.add_row(
            s["name"], str(s["position"]), str(s["delivered"]), str(s["failed"]),
            str(s["consecutive_errors"]), s["next_attempt_at"] or "",
        )  # fmt: skip
    console.print(summary)
    table = Table("at", "target", "delivery", "kind", "outcome", "alerts", "http", "ms", "error")
    for r in rows:
        table.add_row(
            r["attempted_at"], r["target"], r["delivery"], r["kind"], r["outcome"],
            str(r["alerts"]), str(r["http_status"] or ""), str(r["duration_ms"]), r["error"] or "",
        )  # fmt: skip
    console.print(table)


@app.command("replay")
def replay_(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A [[notify]] target."),
    since: str = typer.Option(..., "--from", help="Re-send appends recorded from T (ISO 8601)."),
    until: str | None = typer.Option(None, "--to", help="… up to T (default: now)."),
) -> None:
    """Send target NAME again what it wants from the log since --from (same delivery ids)."""
    from jobs.notify.replay import replay

    try:
        start, end = parse_time(since), parse_time(until) if until else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    services = context(ctx).services(upgrade_empty=True)
    with progress_bar(f"replaying to {name}", None) as advance:
        report = replay(services, name, start, end, advance)
    typer.echo(f"re-sent {report.sent} deliveries to {name}; {report.failed} failed")
    for error in report.errors[:20]:
        typer.echo(f"  {error}", err=True)
    if report.failed:
        raise typer.Exit(1)
