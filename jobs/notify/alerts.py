"""Alerts of one append: what changed between the outlooks before and after it (pure).

- ``crown``: a board's current open-weights holder is a different model (one alert per
  change of holder, whatever the number of events behind it);
- ``enters-top10``: a model ranked 11th or lower (or unranked) before is in the top ten after,
  on a board that had standings before (a board's first snapshot is not ten alerts) and whose
  method did not change (ranks of different methods are not comparable);
- ``left-board``: a model ranked before is not ranked after (a withdrawal), same method;
- ``release``: a model's release became known.

Every alert names the model's lab, city and weights status as the catalog has them after the
append, so target filters need nothing else. Alerts of one append share its last position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.notify.outlook import BoardOutlook, Outlook
from service.clock import format_time
from service.modelsearch import weights_of
from service.projections.catalog import Catalog
from service.projections.catalog_view import fact, model_view

TOP = 10


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: ``key`` (``kind|leaderboard|model``) is unique within its position."""

    key: str
    kind: str
    body: dict[str, Any]


def model_fields(catalog: Catalog, slug: str) -> dict[str, Any]:
    """Who a model is, for an alert body and for target filters."""
    view = model_view(catalog, slug)
    lab = view.get("lab") if view else None
    return {
        "model": slug,
        "name": (view or {}).get("name") or slug,
        "lab": lab,
        "lab_name": fact(catalog.labs.get(lab), "name") if lab else None,
        "city": view.get("city") if view else None,
        "weights": weights_of(view) if view else "unknown",
    }


def derive(before: Outlook, after: Outlook, catalog: Catalog) -> list[Alert]:
    """Every alert between ``before`` and ``after`` (``catalog``: the catalog after)."""
    alerts: list[Alert] = []
    for slug, board in after.boards.items():
        alerts.extend(_board_alerts(slug, before.boards.get(slug), board, catalog))
    for model in sorted(set(after.released) - set(before.released)):
        body = {"event": "release", **model_fields(catalog, model)}
        fields = catalog.models.get(model)
        body.update(
            released_at=format_time(after.released[model]),
            license=fact(fields, "license"),
        )
        alerts.append(Alert(f"release||{model}", "release", body))
    return alerts


def _board_alerts(
    slug: str, before: BoardOutlook | None, after: BoardOutlook, catalog: Catalog
) -> list[Alert]:
    alerts: list[Alert] = []
    was = before.holder if before is not None else None
    if after.holder is not None and after.holder != was:
        body = {"event": "crown", "leaderboard": slug, **model_fields(catalog, after.holder)}
        held = after.ranks.get(after.holder)
        body.update(
            previous=was,
            previous_name=(fact(catalog.models.get(was), "name") or was) if was else None,
            since=format_time(after.since) if after.since else None,
            score=held[1] if held else None,
            rank=held[0] if held else None,
        )
        alerts.append(Alert(f"crown|{slug}|{after.holder}", "crown", body))
    if before is None or not before.ranks or before.method != after.method:
        return alerts
    for model, (rank, score) in sorted(after.ranks.items()):
        old = before.ranks.get(model)
        if rank <= TOP and (old is None or old[0] > TOP):
            body = {"event": "enters-top10", "leaderboard": slug, **model_fields(catalog, model)}
            body.update(rank=rank, score=score, previous_rank=old[0] if old else None)
            alerts.append(Alert(f"enters-top10|{slug}|{model}", "enters-top10", body))
    for model in sorted(set(before.ranks) - set(after.ranks)):
        rank, score = before.ranks[model]
        body = {"event": "left-board", "leaderboard": slug, **model_fields(catalog, model)}
        body.update(last_rank=rank, last_score=score)
        alerts.append(Alert(f"left-board|{slug}|{model}", "left-board", body))
    return alerts
