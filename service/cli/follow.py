"""``crownlog diff``: what changed between two times (docs/design.md §6)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from service.cli.context import context
from service.cli.reads import printed
from service.cli.timeopts import CSV, JSON, parse_option
from service.diff import DEFAULT_THRESHOLD, Axis, Window, change_rows, changes


def _shown(value: object) -> str:
    """A cell for the terminal: times as their day (and minute, if not midnight)."""
    if value is None:
        return ""
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        moment = text[:16].replace("T", " ")
        return moment.removesuffix(" 00:00")
    return text


def register(app: typer.Typer) -> None:
    app.command()(diff)


def diff(
    ctx: typer.Context,
    start: str = typer.Argument(..., metavar="T1", help="The earlier time (ISO 8601)."),
    end: str | None = typer.Argument(None, metavar="T2", help="The later time (default: now)."),
    known_at: bool = typer.Option(
        False, "--known-at", help="Compare what crownlog showed at T1 and T2 (default: as_of)."
    ),
    threshold: int = typer.Option(
        DEFAULT_THRESHOLD, "--threshold", min=1, help="Smallest rank move to report."
    ),
    leaderboard: str | None = typer.Option(None, "--leaderboard", help="One board only."),
    position: int | None = typer.Option(
        None, "--position", min=0, help="Pin both ends to the log up to position N."
    ),
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Models that entered or left each board, rank moves, releases, weights and crown
    changes between T1 and T2."""
    first, last = parse_option(start, "T1"), parse_option(end, "T2")
    if last is not None and first is not None and last < first:
        raise typer.BadParameter("T2 is before T1")
    assert first is not None
    axis: Axis = "known_at" if known_at else "as_of"
    window = Window(first, last, axis, threshold, leaderboard, position)
    body = changes(context(ctx).services().reads, window)
    if printed(body, "changes", as_json, as_csv):
        return
    rows = change_rows(body)
    title = (
        f"{axis} {_shown(body['from'])} → {_shown(body['to']) or 'now'} "
        f"(log {body['from_position']} → {body['to_position']})"
    )
    table = Table("kind", "board", "model", "before", "after", "change", "at", title=title)
    for row in rows:
        table.add_row(
            *(
                _shown(row.get(key))
                for key in ("kind", "leaderboard", "model", "before", "after", "change", "at")
            )
        )
    Console().print(table)
    if not rows:
        typer.echo("nothing changed")
