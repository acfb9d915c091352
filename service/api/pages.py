"""What each dashboard page shows, assembled from the read model at one point in time.

The pages read through the same ``ReadModel`` calls as the JSON API, so the crown holder and the
standings rows a page shows are exactly what ``/api/v1/crown`` and ``/api/v1/standings`` say.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service import reader
from service.api import charts, citystats
from service.api.eventtext import describe
from service.api.sourceitems import item_keys, source_items, with_items
from service.bootstrap import Services
from service.chain import envelope_dict
from service.clock import format_time
from service.projections.catalog_view import fact
from service.timepoint import At

HISTORY = 500


def _names(models: list[dict[str, Any]]) -> dict[str, str]:
    return {model["slug"]: model["name"] or model["slug"] for model in models}


def city_section(services: Services, at: At, now: datetime) -> dict[str, Any]:
    """The three-city view: crown-days and releases per month per city, and city rows."""
    reads = services.reads
    crown = reads.crown(None, at)
    models = reads.models(at)
    crown_days = citystats.crown_days_by_month(crown["reigns"], now)
    releases = citystats.releases_by_month(models, now)
    months = citystats.span(crown_days, releases, now=now)
    return {
        "crown_days_chart": charts.monthly_bars(crown_days, months, "Crown-days per month", "days"),
        "releases_chart": charts.monthly_bars(releases, months, "Releases per month", "releases"),
        "cities": reads.places("city", at),
        "palette": charts.PALETTE,
    }


def index_page(
    services: Services, at: At, now: datetime, leaderboard: str | None, open_weights: bool | None
) -> dict[str, Any]:
    """``/``: the crown, the crown timeline, the standings and the three-city view."""
    reads = services.reads
    crown = reads.crown(None, at)
    models = reads.models(at)
    names = _names(models)
    standings = reads.standings(leaderboard, at, open_weights)
    states = reads.view(at).states
    boards = sorted(states["standings"].boards) or [reads.crown_board]
    labs = {slug: fact(fields, "name") or slug for slug, fields in states["catalog"].labs.items()}
    return {
        "lab_names": labs,
        "crown": crown,
        "names": names,
        "timeline": charts.crown_timeline(crown["reigns"], names, now),
        "standings": standings,
        "boards": boards,
        "leaderboard": standings["leaderboard"],
        "open_weights": open_weights,
        **city_section(services, at, now),
    }


def model_page(services: Services, slug: str, at: At, now: datetime) -> dict[str, Any] | None:
    """``/models/{slug}``: facts, standing, reigns and the event history with sources."""
    reads = services.reads
    model = reads.model(slug, at)
    if model is None:
        return None
    with services.engine.connect() as conn:
        events = reader.fetch(conn, 0, limit=HISTORY, stream=f"model:{slug}")
        if at.as_of is not None:
            events = [event for event in events if event.occurred_at <= at.as_of]
        items = source_items(conn, item_keys(events))
    history = with_items([envelope_dict(event) for event in events], items)
    for entry in history:
        entry["summary"] = describe(entry["type"], entry["data"])
    standings = reads.standings(None, at)
    crown = reads.crown(None, at)
    labs = reads.view(at).states["catalog"].labs
    return {
        "model": model,
        "lab_name": fact(labs.get(model["lab"]), "name") if model["lab"] else None,
        "history": list(reversed(history)),
        "row": next((row for row in standings["rows"] if row["model"] == slug), None),
        "leaderboard": standings["leaderboard"],
        "reigns": [reign for reign in crown["reigns"] if reign["model"] == slug],
        "truncated": len(events) >= HISTORY,
    }


def cities_page(services: Services, at: At, now: datetime) -> dict[str, Any]:
    """``/cities``: the three-city view with every city and lab."""
    return {**city_section(services, at, now), "labs": services.reads.places("lab", at)}


def stamp(services: Services, at: At) -> dict[str, Any]:
    """Where the page stands: the log position and the as-of time shown in the header."""
    return {
        "position": services.reads.head(),
        "as_of_text": format_time(at.as_of)[:16].replace("T", " ") + " UTC" if at.as_of else None,
    }
