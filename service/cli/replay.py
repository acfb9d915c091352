"""``crownlog replay``: rebuild every projection from position 0, or compute a past state."""

from __future__ import annotations

import time
from typing import Any

import orjson
import typer

from service.cli.context import context
from service.cli.progress import progress_bar
from service.cli.timeopts import AS_OF, JSON, KNOWN_AT, POSITION, time_point
from service.projections import ladder
from service.projections.digest import digests
from service.projections.rebuild import rebuild


def register(app: typer.Typer) -> None:
    app.command()(replay)


def replay(
    ctx: typer.Context,
    as_of: str | None = AS_OF,
    known_at: str | None = KNOWN_AT,
    position: int | None = POSITION,
    light_every: int | None = typer.Option(
        None,
        "--light-every",
        min=0,
        help="A light snapshot and an as_of rung every N events (0: neither; default: "
        "light snapshots every 10,000 on SQLite, 5,000 on PostgreSQL, rungs every 5,000).",
    ),
    full_every: int = typer.Option(
        500_000, "--full-every", min=0, help="A full snapshot every N events (0: none)."
    ),
    as_json: bool = JSON,
) -> None:
    """Without options: rebuild every projection from position 0 and print their digests.
    With --as-of / --known-at / --position: compute that past state (nothing is written)."""
    services = context(ctx).services(upgrade_empty=True)
    at = time_point(as_of, known_at, position)
    started = time.perf_counter()
    if at.is_now:
        head = services.store.head()[0]
        with progress_bar("replaying", head) as advance:
            result = rebuild(services.engine, advance, light_every, full_every)
        if light_every != 0:
            with progress_bar("as_of ladder", head) as advance:
                ladder.extend(services.engine, light_every or ladder.EVERY, advance)
        writer = services.store.projector("projections")
        if writer is not None and hasattr(writer, "reset"):
            writer.reset()
        summary: dict[str, Any] = {
            "rebuilt": True,
            "position": result.head,
            "digests": result.digests(),
        }
    else:
        view = services.reads.view(at, exact=True)
        summary = {
            "rebuilt": False,
            "as_of": as_of,
            "known_at": known_at,
            "position": view.position,
            "digests": digests(view.states),
        }
    summary["seconds"] = round(time.perf_counter() - started, 3)
    if as_json:
        typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        return
    what = "rebuilt every projection" if summary["rebuilt"] else "computed the projections"
    typer.echo(f"{what} at log position {summary['position']} in {summary['seconds']} s")
    for name, value in summary["digests"].items():
        typer.echo(f"  {name:<10} {value}")
