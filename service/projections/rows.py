"""Materialized projection rows: what the stored projection tables hold for a set of states.

Catalog entries (one row per lab and per model, with the position behind each fact),
standings (one row per board) and reigns (one row per board). Places are views over these
and the mention index, computed at read time because they depend on "now".
"""

from __future__ import annotations

from typing import Any

import orjson

from service.clock import format_time
from service.projections import crown
from service.projections.catalog_view import lab_view, model_view, provenance
from service.projections.digest import States
from service.projections.standings import standings_view

RowKey = tuple[str, str]
Rows = dict[RowKey, Any]


def reign_rows(states: States, leaderboard: str) -> list[dict[str, Any]]:
    """The reigns of ``leaderboard`` without the "now"-dependent day counts."""
    return [
        {
            "model": reign.model,
            "from": format_time(reign.start),
            "to": format_time(reign.end) if reign.end is not None else None,
            "co_holders": list(reign.co_holders),
        }
        for reign in crown.reigns(states["crown"], leaderboard)
    ]


def materialize(states: States) -> Rows:
    """Every stored row for ``states``, JSON-normalized (as it reads back from a database)."""
    catalog = states["catalog"]
    rows: Rows = {}
    for slug in catalog.labs:
        rows[("catalog", f"lab:{slug}")] = {
            **(lab_view(catalog, slug) or {}),
            "provenance": provenance(catalog, "lab", slug),
        }
    for slug in catalog.models:
        rows[("catalog", f"model:{slug}")] = {
            **(model_view(catalog, slug) or {}),
            "provenance": provenance(catalog, "model", slug),
        }
    for board in states["standings"].boards:
        rows[("standings", board)] = standings_view(states["standings"], catalog, board)
    for board in crown.settle(states["crown"]).race.boards:
        rows[("crown", board)] = reign_rows(states, board)
    return {key: orjson.loads(orjson.dumps(value)) for key, value in rows.items()}


def changed(before: Rows, after: Rows) -> tuple[Rows, list[RowKey]]:
    """Rows to write (new or different) and keys to delete."""
    upserts = {key: value for key, value in after.items() if before.get(key) != value}
    return upserts, [key for key in before if key not in after]
