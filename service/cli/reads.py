"""Read commands: standings, crown, models (with --history), labs, cities."""

from __future__ import annotations

from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from service.cli.context import context
from service.cli.timeopts import AS_OF, CSV, JSON, KNOWN_AT, POSITION, time_point
from service.history import model_history
from service.projections.weights import SHORT
from service.tables import TABLES


def register(app: typer.Typer) -> None:
    for command in (standings, crown, models, labs, cities):
        app.command()(command)


def _print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def printed(body: dict[str, Any], table: str, as_json: bool, as_csv: bool) -> bool:
    """Print ``body`` as JSON or as the CSV of ``table`` if asked; False: print a table."""
    if as_json and as_csv:
        raise typer.BadParameter("give --json or --csv, not both")
    if as_csv:
        typer.echo(TABLES[table].render(body), nl=False)
    elif as_json:
        _print_json(body)
    return as_json or as_csv


def _params(value: int | None) -> str:
    return "" if value is None else f"{value / 1e9:,.1f}B".replace(".0B", "B")


def standings(
    ctx: typer.Context,
    leaderboard: str | None = typer.Option(None, "--leaderboard", help="Board (default: crown)."),
    open_weights: bool | None = typer.Option(
        None, "--open-weights/--closed-weights", help="Only open (or closed) models."
    ),
    lab: str | None = typer.Option(None, "--lab"),
    city: str | None = typer.Option(None, "--city"),
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Ranked models on a leaderboard under its current method."""
    at = time_point(as_of, known_at, position)
    body = context(ctx).services().reads.standings(leaderboard, at, open_weights, lab, city)
    if printed(body, "standings", as_json, as_csv):
        return
    table = Table(
        "rank", "model", "lab", "city", "score", "interval", "votes", "weights",
        title=_title(body),
    )  # fmt: skip
    for row in body["rows"]:
        table.add_row(
            str(row["rank"]),
            row["model"],
            row["lab"] or "",
            row["city"] or "",
            f"{row['score']:.1f}",
            _interval(row),
            "" if row.get("votes") is None else f"{row['votes']:,}",
            SHORT.get(row["weights"], "?"),
        )
    Console().print(table)


def _interval(row: dict[str, Any]) -> str:
    low, high = row.get("ci_low"), row.get("ci_high")
    return "" if low is None or high is None else f"{low:.1f}–{high:.1f}"


def _title(body: dict[str, Any]) -> str:
    when = body.get("as_of") or body.get("known_at") or "now"
    method = body.get("method") or "method ?"
    return f"{body['leaderboard']} ({method}) at {when}, log {body['position']}"


def crown(
    ctx: typer.Context,
    leaderboard: str | None = typer.Option(None, "--leaderboard", help="Board (default: crown)."),
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """The current holder of the open-weights crown and every reign, oldest first."""
    body = context(ctx).services().reads.crown(leaderboard, time_point(as_of, known_at, position))
    if printed(body, "reigns", as_json, as_csv):
        return
    holder = body["holder"]
    typer.echo(
        f"{body['leaderboard']}: "
        + (f"{holder['model']} ({holder['lab']}, {holder['city']}) since {holder['from'][:10]}"
           if holder else "no open-weights holder")
    )  # fmt: skip
    table = Table("model", "lab", "city", "from", "to", "days", "co-holders")
    for reign in body["reigns"]:
        table.add_row(
            reign["model"],
            reign["lab"] or "",
            reign["city"] or "",
            reign["from"][:10],
            (reign["to"] or "now")[:10],
            f"{reign['days']:.1f}",
            ", ".join(reign["co_holders"]),
        )
    Console().print(table)
    if body["contenders"]:
        # Why the board's leaders are not the holder: their open weights are only claimed.
        typer.echo(
            "claimed, not crowned (no weights repository known): "
            + ", ".join(f"{c['model']} (#{c['rank']})" for c in body["contenders"])
        )


def models(
    ctx: typer.Context,
    slug: str | None = typer.Argument(None, help="One model's facts."),
    history: bool = typer.Option(False, "--history", help="Each fact with its item and evidence."),
    lab: str | None = typer.Option(None, "--lab"),
    city: str | None = typer.Option(None, "--city"),
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Models with their current facts; with SLUG one model; --history shows the evidence."""
    services = context(ctx).services()
    at = time_point(as_of, known_at, position)
    if slug is None:
        items = services.reads.models(at, lab, city)
        if printed({"items": items, "next": None}, "models", as_json, as_csv):
            return
        table = Table("model", "lab", "city", "total", "active", "license", "weights", "released")
        for m in items:
            table.add_row(
                m["slug"],
                m["lab"] or "",
                m["city"] or "",
                _params(m["params_total"]),
                _params(m["params_active"]),
                m["license"] or "",
                SHORT.get(m["weights"], "?"),
                (m["released_at"] or "")[:10],
            )
        Console().print(table)
        return
    model = services.reads.model(slug, at)
    if model is None:
        raise typer.BadParameter(f"no model {slug!r} in the log (see `crownlog models`)")
    if history:
        if as_csv:
            raise typer.BadParameter("--history has no CSV form (try --json)")
        entries = model_history(services.store, slug)
        if as_json:
            _print_json({"model": model, "history": entries})
            return
        for entry in entries:
            typer.echo(
                f"{entry['occurred_at'][:10]}  #{entry['position']}  {entry['type']}: "
                f"{entry['fact']}"
            )
            typer.echo(f"    item: {entry['item_title'] or entry['item_id']}  {entry['url'] or ''}")
            if entry["evidence"]:
                typer.echo(f"    evidence: {entry['evidence']}")
        return
    if as_csv:  # one model: a one-row models table
        printed({"items": [model], "next": None}, "models", as_json, as_csv)
        return
    if as_json:
        _print_json(model)
        return
    for key, value in model.items():
        if key != "boards":
            typer.echo(f"{key:>15}: {value}")
    for line in board_lines(model.get("boards") or []):
        typer.echo(line)


def board_lines(boards: list[dict[str, Any]]) -> list[str]:
    """``on <board>: rank N | off the board; listed D – D, D – now`` per board."""
    lines = []
    for board in boards:
        spells = ", ".join(
            f"{spell['from'][:10]} – {(spell['to'] or 'now')[:10]}" for spell in board["spells"]
        )
        standing = f"rank {board['rank']}" if board["rank"] is not None else "off the board"
        lines.append(f"{'on ' + board['leaderboard']:>15}: {standing}; listed {spells}")
    return lines


def _places(ctx: typer.Context, kind: str, at: Any, as_json: bool, as_csv: bool) -> None:
    items = context(ctx).services().reads.places(kind, at)
    name = "labs" if kind == "lab" else "cities"
    if printed({"items": items, "next": None}, name, as_json, as_csv):
        return
    table = Table(kind, "city", "released", "best rank", "top 10", "crown days", "mentions 7d/30d")
    for p in items:
        table.add_row(
            p["name"] or p["slug"],
            p["city"] or "",
            str(p["models_released"]),
            str(p["best_rank"] or ""),
            str(p["top10"]),
            f"{p['crown_days']:.1f}",
            f"{p['mentions_7d']}/{p['mentions_30d']}",
        )
    Console().print(table)


def labs(
    ctx: typer.Context,
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Labs: releases, best rank, models in the top 10, crown-days, mentions."""
    _places(ctx, "lab", time_point(as_of, known_at, position), as_json, as_csv)


def cities(
    ctx: typer.Context,
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Cities (Beijing, Shanghai, Hangzhou, Shenzhen …): the same figures per city."""
    _places(ctx, "city", time_point(as_of, known_at, position), as_json, as_csv)
