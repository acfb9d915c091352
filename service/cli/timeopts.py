"""The time-axis options every read command takes (--as-of, --known-at, --position)."""

from __future__ import annotations

from datetime import datetime

import typer

from service.clock import parse_time
from service.timepoint import At

AS_OF = typer.Option(None, "--as-of", help="World state at T by all known now (ISO 8601).")
KNOWN_AT = typer.Option(None, "--known-at", help="Exactly what the service showed at T.")
POSITION = typer.Option(None, "--position", min=0, help="The log up to position N.")
JSON = typer.Option(False, "--json", help="Print JSON (the HTTP body shape).")
CSV = typer.Option(False, "--csv", help="Print CSV (the columns of the API's ?format=csv).")


def parse_option(value: str | None, option: str) -> datetime | None:
    """``value`` as a time, or None; a bad value is a usage error naming ``option``."""
    return _time(value, option)


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def time_point(as_of: str | None, known_at: str | None, position: int | None = None) -> At:
    """An ``At`` from the command-line options (errors name the option)."""
    if known_at is not None and position is not None:
        raise typer.BadParameter("give --known-at or --position, not both")
    return At(_time(as_of, "--as-of"), _time(known_at, "--known-at"), position)
