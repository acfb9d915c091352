"""What each dashboard page shows, assembled from the read model at one point in time.

The pages read through the same ``ReadModel`` calls as the JSON API, so the crown holder and the
standings rows a page shows are exactly what ``/api/v1/crown`` and ``/api/v1/standings`` say.
Every builder takes the page's ``PageTime`` and the ``View`` it was computed from (its log
position and its "now": the as-of time, the known-at time, or the pinned position's
``recorded_at``), so a page pinned by position depends on the log up to it alone.
"""

from __future__ import annotations

from typing import Any

from service.api import charts, citystats
from service.api.disputes import with_evidence
from service.api.eventtext import describe
from service.api.historychart import Series, history_chart
from service.api.modelevents import events_page
from service.api.pagetime import PageTime
from service.api.uncertainty import tied_with_leader, with_ties
from service.bootstrap import Services
from service.projections.catalog_view import fact
from service.readmodel import View

EVENTS_PER_PAGE = 100


def names_of(models: list[dict[str, Any]]) -> dict[str, str]:
    return {model["slug"]: model["name"] or model["slug"] for model in models}


def boards_of(services: Services, view: View) -> list[str]:
    return sorted(view.states["standings"].boards) or [services.reads.crown_board]


def lab_names(view: View) -> dict[str, str]:
    labs = view.states["catalog"].labs
    return {slug: fact(fields, "name") or slug for slug, fields in labs.items()}


def city_section(services: Services, time: PageTime, view: View) -> dict[str, Any]:
    """The three-city view: crown-days and releases per month per city, and city rows."""
    reads, at, now = services.reads, time.at, view.now
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
    services: Services,
    time: PageTime,
    view: View,
    leaderboard: str | None,
    open_weights: bool | None,
) -> dict[str, Any]:
    """``/``: the crown and its reigns, the crown timeline, the standings, the cities."""
    reads, at = services.reads, time.at
    crown = reads.crown(None, at)
    names = names_of(reads.models(at))
    board = reads.standings(leaderboard, at)
    # Ties are with the board's leader, whatever the filter shows.
    tied = tied_with_leader(board["rows"])
    standings = board if open_weights is None else reads.standings(leaderboard, at, open_weights)
    return {
        "lab_names": lab_names(view),
        "crown": crown,
        "names": names,
        "timeline": charts.crown_timeline(crown["reigns"], names, view.now),
        "standings": standings,
        "rows": with_ties(standings["rows"], tied),
        "intervals": any(row.get("ci_low") is not None for row in board["rows"]),
        "boards": boards_of(services, view),
        "leaderboard": standings["leaderboard"],
        "open_weights": open_weights,
        **city_section(services, time, view),
    }


def model_page(
    services: Services,
    slug: str,
    time: PageTime,
    view: View,
    leaderboard: str | None,
    older: int | None,
) -> dict[str, Any] | None:
    """``/models/{slug}``: facts, standing, reigns, the history chart, and the events newest
    first, a page at a time (``older``: the events before that position)."""
    reads, at = services.reads, time.at
    model = reads.model(slug, at)
    if model is None:
        return None
    model = with_evidence(services.engine, model)
    standings = reads.standings(leaderboard, at)
    board = standings["leaderboard"]
    history = reads.history(slug, board, at)
    points = history["points"] if history else []
    with services.engine.connect() as conn:
        events = events_page(conn, slug, older, EVENTS_PER_PAGE, True, view.position, at.as_of)
    for entry in events["items"]:
        entry["summary"] = describe(entry["type"], entry["data"])
    crown = reads.crown(None, at)
    labs = view.states["catalog"].labs
    name = model["name"] or slug
    return {
        "model": model,
        "lab_name": fact(labs.get(model["lab"]), "name") if model["lab"] else None,
        "history": events["items"],
        "older": events["next"],
        "paged": older is not None,
        "row": next((row for row in standings["rows"] if row["model"] == slug), None),
        "leaderboard": board,
        "boards": boards_of(services, view),
        "points": points,
        "chart": history_chart([Series(slug, name, points)], f"{name} on {board}"),
        "reigns": [reign for reign in crown["reigns"] if reign["model"] == slug],
    }


def cities_page(services: Services, time: PageTime, view: View) -> dict[str, Any]:
    """``/cities``: the three-city view with every city and lab."""
    return {
        **city_section(services, time, view),
        "labs": services.reads.places("lab", time.at),
    }
