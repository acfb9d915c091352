"""The places fold and view: how labs and cities compare.

The fold keeps only what no other projection has: each model's mention times
(``ModelMentioned`` by ``occurred_at``, sorted, so a window count is two bisections). The view
joins it with the catalog (labs, cities, release dates), the standings (ranks) and the crown
(reigns) of the board the caller names, at the time ``now`` the caller passes in.

Windows are half-open, ``(now - N days, now]``. A city's slug is its name lowercased; its
models are the models of the labs in it. Mutable fold (see ``service.projections.digest``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.clock import format_time
from service.events import Foldable
from service.projections.catalog import Catalog
from service.projections.catalog_view import fact
from service.projections.crown import CrownState, reigns
from service.projections.crownview import held_days
from service.projections.standings import Standings, ranks

#: What the view reads once for all places: ranks on the board, crown-days per model, now.
_Facts = tuple[dict[str, int], dict[str, float], datetime]


@dataclass(slots=True)
class Places:
    """Mention times per model, oldest first."""

    mentions: dict[str, list[datetime]] = field(default_factory=dict)


def initial() -> Places:
    """No mentions yet."""
    return Places()


def _mentioned(state: Places, event: Foldable) -> Places:
    model, when = event.data["model"], event.occurred_at
    times = state.mentions.get(model)
    if times is None:
        state.mentions[model] = [when]
    elif when >= times[-1]:
        times.append(when)
    else:
        insort(times, when)  # a late news item: keep the list in time order
    return state


HANDLERS: dict[str, Callable[[Places, Foldable], Places]] = {"ModelMentioned": _mentioned}


def apply(state: Places, event: Foldable) -> Places:
    """Fold one event into the mention index (in place); other event types are ignored."""
    handler = HANDLERS.get(event.type)
    return handler(state, event) if handler else state


def mentions_between(state: Places, model: str, start: datetime, end: datetime) -> int:
    """How many mentions of ``model`` occurred in ``(start, end]``."""
    times = state.mentions.get(model)
    if not times:
        return 0
    return bisect_right(times, end) - bisect_right(times, start)


def copy(state: Places) -> Places:
    """An independent snapshot of ``state``."""
    return Places({model: list(times) for model, times in state.mentions.items()})


def dump(state: Places) -> dict[str, Any]:
    """A JSON-safe dict of ``state`` (for digests; light snapshots use ``dump_light``)."""
    return {
        "mentions": {
            model: [format_time(t) for t in times] for model, times in state.mentions.items()
        }
    }


def dump_light(state: Places, since: datetime) -> dict[str, Any]:
    """The mentions at or after ``since`` for a light snapshot, as datetimes: orjson writes
    them itself (RFC 3339, a zero fraction left out), which costs a fraction of formatting
    each one — a light snapshot every ``LIGHT_EVERY`` events holds a month of mentions, and
    only the models mentioned in it (a view counts a model without mentions as none).
    ``load`` reads either form."""
    return {
        "mentions": {
            model: times[bisect_left(times, since) :]
            for model, times in state.mentions.items()
            if times and times[-1] >= since  # a model not mentioned since: left out
        }
    }


def load(dumped: dict[str, Any]) -> Places:
    """The mention index ``dump`` was made from."""
    return Places(
        {
            model: [datetime.fromisoformat(t) for t in times]
            for model, times in dumped["mentions"].items()
        }
    )


def _crown_days(crown: CrownState, leaderboard: str, now: datetime) -> dict[str, float]:
    days: dict[str, float] = {}
    for reign in reigns(crown, leaderboard):
        if reign.start <= now:
            clipped = reign if reign.end is None or reign.end <= now else reign._replace(end=now)
            days[reign.model] = days.get(reign.model, 0.0) + held_days(clipped, now)
    return days


def _tally(models: list[str], catalog: Catalog, state: Places, facts: _Facts) -> dict[str, Any]:
    board_ranks, crown_days, now = facts
    released = [
        when
        for model in models
        if (when := fact(catalog.models.get(model), "released_at")) is not None and when <= now
    ]
    model_ranks = [board_ranks[model] for model in models if model in board_ranks]
    return {
        "models_released": len(released),
        "released_30d": sum(1 for when in released if when > now - timedelta(days=30)),
        "released_90d": sum(1 for when in released if when > now - timedelta(days=90)),
        "best_rank": min(model_ranks) if model_ranks else None,
        "top10": sum(1 for rank in model_ranks if rank <= 10),
        "crown_days": round(sum(crown_days.get(model, 0.0) for model in models), 1),
        "mentions_7d": sum(
            mentions_between(state, m, now - timedelta(days=7), now) for m in models
        ),
        "mentions_30d": sum(
            mentions_between(state, m, now - timedelta(days=30), now) for m in models
        ),
    }


def places_view(
    state: Places,
    catalog: Catalog,
    standings: Standings,
    crown: CrownState,
    leaderboard: str,
    now: datetime,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """docs/design.md §6 ``place`` rows per lab and city (or one ``kind``), by kind then slug.

    Ranks, top-10 counts and crown-days come from ``leaderboard`` (the crown board); models
    count for the lab their catalog entry names, and for that lab's city.
    """
    facts: _Facts = (ranks(standings, leaderboard), _crown_days(crown, leaderboard, now), now)
    by_lab: dict[str, list[str]] = {}
    for model, fields in catalog.models.items():
        lab = fact(fields, "lab")
        if lab is not None:
            by_lab.setdefault(lab, []).append(model)
    cities: dict[str, tuple[str, str | None, list[str]]] = {}
    rows = []
    for slug in sorted(catalog.labs):
        fields = catalog.labs[slug]
        city, country = fact(fields, "city"), fact(fields, "country")
        models = by_lab.get(slug, [])
        if city:
            # The city's display name and country come from its first lab (by slug).
            cities.setdefault(city.lower(), (city, country, []))[2].extend(models)
        place = {"slug": slug, "name": fact(fields, "name"), "kind": "lab"}
        place.update(city=city, country=country, **_tally(models, catalog, state, facts))
        rows.append(place)
    for slug, (name, country, models) in sorted(cities.items()):
        place = {"slug": slug, "name": name, "kind": "city", "city": name, "country": country}
        place.update(_tally(models, catalog, state, facts))
        rows.append(place)
    rows.sort(key=lambda place: (place["kind"], place["slug"]))
    return [place for place in rows if kind is None or place["kind"] == kind]
