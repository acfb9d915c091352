"""What changed between two points in time (docs/design.md §6 ``/api/v1/changes``,
``crownlog diff``).

Both ends are read through the one route to a past state (``ReadModel.view``), on either
axis: ``as_of`` compares the world at T1 and T2 by all that is known now; ``known_at``
compares what crownlog showed at T1 and at T2 (a backfill between them shows as a change). A
``position`` cut pins both ends to what the log held at that position.

Compared per leaderboard: models that entered or left the standings, and rank moves of at least
``threshold`` places (ranks under two different methods are not compared). Over the catalog:
releases (as_of: released in the window; known_at: a release date learned or changed in it) and
weights-status changes. For the crown board: the holder at each end and the reigns that began.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from service.clock import format_time, parse_time
from service.modelsearch import weights_of
from service.projections.catalog_view import model_view
from service.projections.crownview import crown_view
from service.projections.standings import standings_view
from service.readmodel import ReadModel, View
from service.timepoint import At

Axis = Literal["as_of", "known_at"]
AXES: tuple[Axis, ...] = ("as_of", "known_at")
DEFAULT_THRESHOLD = 3


@dataclass(frozen=True, slots=True)
class Window:
    """The two ends and how to compare them."""

    start: datetime
    end: datetime | None  # None: now
    axis: Axis = "as_of"
    threshold: int = DEFAULT_THRESHOLD
    leaderboard: str | None = None  # None: every board
    position: int | None = None  # a cut applied to both ends (a pinned page)


def _end(reads: ReadModel, moment: datetime | None, window: Window) -> View:
    if window.axis == "as_of":
        return reads.view(At(as_of=moment, position=window.position))
    if moment is None:
        return reads.view(At(position=window.position))
    cut = reads.position_of(At(known_at=moment))
    if window.position is not None:
        cut = min(cut, window.position)
    return reads.view(At(position=cut))


def changes(reads: ReadModel, window: Window) -> dict[str, Any]:
    """The docs/design.md §6 ``changes`` body for ``window``."""
    before, after = _end(reads, window.start, window), _end(reads, window.end, window)
    names = set(before.states["standings"].boards) | set(after.states["standings"].boards)
    boards = sorted(names if window.leaderboard is None else {window.leaderboard})
    crown_board = window.leaderboard or reads.crown_board
    old_models, new_models = _models(before), _models(after)
    return {
        "from": format_time(window.start),
        "to": format_time(window.end) if window.end else None,
        "axis": window.axis,
        "threshold": window.threshold,
        "from_position": before.position,
        "to_position": after.position,
        "boards": [_board(before, after, board, window.threshold) for board in boards],
        "releases": _releases(old_models, new_models, window),
        "weights": _weights(old_models, new_models),
        "crown": _crown(before, after, crown_board),
    }


def _rows(view: View, board: str) -> tuple[str | None, dict[str, dict[str, Any]]]:
    body = standings_view(view.states["standings"], view.states["catalog"], board)
    return body["method"], {row["model"]: row for row in body["rows"]}


def _board(before: View, after: View, board: str, threshold: int) -> dict[str, Any]:
    method_before, old = _rows(before, board)
    method_after, new = _rows(after, board)
    entered = [_place(new[m]) for m in new if m not in old]
    left = [_place(old[m]) for m in old if m not in new]
    moved = []
    if method_before == method_after:
        for model in new.keys() & old.keys():
            change = old[model]["rank"] - new[model]["rank"]
            if abs(change) >= threshold:
                moved.append({"model": model, "before": old[model]["rank"],
                              "after": new[model]["rank"], "change": change})  # fmt: skip
    return {
        "leaderboard": board,
        "method_before": method_before,
        "method_after": method_after,
        "entered": sorted(entered, key=lambda row: (row["rank"], row["model"])),
        "left": sorted(left, key=lambda row: (row["rank"], row["model"])),
        "moved": sorted(moved, key=lambda row: (-abs(row["change"]), row["model"])),
    }


def _place(row: dict[str, Any]) -> dict[str, Any]:
    return {"model": row["model"], "rank": row["rank"], "score": row["score"]}


def _models(view: View) -> dict[str, dict[str, Any]]:
    catalog = view.states["catalog"]
    return {slug: model_view(catalog, slug) or {} for slug in catalog.models}


Models = dict[str, dict[str, Any]]


def _releases(old: Models, new: Models, window: Window) -> list[dict[str, Any]]:
    found = []
    for slug, model in new.items():
        released = model.get("released_at")
        previous = old.get(slug, {}).get("released_at")
        if released is None or released == previous:
            continue
        if window.axis == "as_of" and not _inside(parse_time(released), window):
            continue
        found.append({"model": slug, "name": model.get("name"), "lab": model.get("lab"),
                      "city": model.get("city"), "released_at": released,
                      "before": previous, "weights": weights_of(model)})  # fmt: skip
    return sorted(found, key=lambda row: (row["released_at"], row["model"]))


def _inside(moment: datetime, window: Window) -> bool:
    return moment > window.start and (window.end is None or moment <= window.end)


def _weights(old: Models, new: Models) -> list[dict[str, Any]]:
    found = []
    for slug in sorted(new.keys() & old.keys()):  # a new model's status shows in releases
        was, now = weights_of(old[slug]), weights_of(new[slug])
        if was != now:
            found.append({"model": slug, "before": was, "after": now})
    return found


def _crown(before: View, after: View, board: str) -> dict[str, Any]:
    old = crown_view(before.states["crown"], before.states["catalog"], board, before.now)
    new = crown_view(after.states["crown"], after.states["catalog"], board, after.now)
    known = {(reign["model"], reign["from"]) for reign in old["reigns"]}
    return {
        "leaderboard": board,
        "before": old["holder"]["model"] if old["holder"] else None,
        "after": new["holder"]["model"] if new["holder"] else None,
        "reigns": [r for r in new["reigns"] if (r["model"], r["from"]) not in known],
    }


def change_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes as one flat table (``kind``, ``leaderboard``, ``model``, ``before``,
    ``after``, ``change``, ``at``), for CSV and the command line."""
    rows: list[dict[str, Any]] = []
    for board in body["boards"]:
        name = board["leaderboard"]
        rows += [{"kind": "entered", "leaderboard": name, "model": r["model"], "after": r["rank"]}
                 for r in board["entered"]]  # fmt: skip
        rows += [{"kind": "left", "leaderboard": name, "model": r["model"], "before": r["rank"]}
                 for r in board["left"]]  # fmt: skip
        rows += [{"kind": "moved", "leaderboard": name, **r} for r in board["moved"]]
    for release in body["releases"]:
        day = release["released_at"]
        rows.append({"kind": "release", "model": release["model"], "before": release["before"],
                     "after": day, "at": day})  # fmt: skip
    rows += [{"kind": "weights", **r} for r in body["weights"]]
    crown = body["crown"]
    rows += [{"kind": "crown", "leaderboard": crown["leaderboard"], "model": r["model"],
              "at": r["from"]} for r in crown["reigns"]]  # fmt: skip
    return rows
