"""The pages to browse and follow the race: the models index (filters and sorting), compare
(two to four models side by side), what changed, and the sources' health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.api.evidence import FACTS, fact_evidence
from service.api.historychart import COLOURS, Series, history_chart
from service.api.pages import boards_of, lab_names, names_of
from service.api.pagetime import PageTime
from service.api.query import BadParameter
from service.bootstrap import Services
from service.clock import shifted
from service.diff import Axis, Window, change_rows, changes
from service.modelsearch import ModelFilter, sort_models, weights_of
from service.readmodel import View

MOST_COMPARED = 4


def models_index_page(
    services: Services,
    time: PageTime,
    view: View,
    chosen: ModelFilter,
    sort: str,
    descending: bool,
    leaderboard: str | None,
) -> dict[str, Any]:
    """``/models``: every model with its rank on a board, filtered and sorted."""
    reads, at = services.reads, time.at
    standings = reads.standings(leaderboard, at)
    ranks = {row["model"]: row["rank"] for row in standings["rows"]}
    every = [
        {**model, "rank": ranks.get(model["slug"]), "weights": weights_of(model)}
        for model in reads.models(at)
    ]
    shown = sort_models([m for m in every if chosen.matches(m)], sort, descending)
    return {
        "models": shown,
        "total": len(every),
        "request_min": time.value("params_min"),
        "request_max": time.value("params_max"),
        "filter": chosen,
        "sort": sort,
        "descending": descending,
        "leaderboard": standings["leaderboard"],
        "boards": boards_of(services, view),
        "lab_names": lab_names(view),
        "options": {
            key: sorted({str(m[key]) for m in every if m.get(key)}, key=str.lower)
            for key in ("lab", "city", "country", "license")
        },
    }


def compared(text: list[str]) -> list[str]:
    """The slugs of ``models=a,b`` or ``models=a&models=b`` (order kept, repeats dropped)."""
    slugs: list[str] = []
    for part in text:
        for slug in part.split(","):
            if slug.strip() and slug.strip() not in slugs:
                slugs.append(slug.strip())
    if slugs and not 2 <= len(slugs) <= MOST_COMPARED:
        raise BadParameter(f"models: compare 2 to {MOST_COMPARED} models, not {len(slugs)}")
    return slugs


def compare_page(
    services: Services, time: PageTime, view: View, slugs: list[str], leaderboard: str | None
) -> dict[str, Any] | None:
    """``/compare``: facts with their evidence side by side, histories on one axis."""
    reads, at = services.reads, time.at
    models = [reads.model(slug, at) for slug in slugs]
    if any(model is None for model in models):
        return None
    standings = reads.standings(leaderboard, at)
    board = standings["leaderboard"]
    rows = {row["model"]: row for row in standings["rows"]}
    catalog = view.states["catalog"]
    with services.engine.connect() as conn:
        evidence = {slug: fact_evidence(conn, catalog, slug) for slug in slugs}
    series = []
    for slug, model in zip(slugs, models, strict=True):
        history = reads.history(slug, board, at)
        name = (model or {}).get("name") or slug
        series.append(Series(slug, name, history["points"] if history else []))
    return {
        "models": models,
        "slugs": slugs,
        "facts": FACTS,
        "evidence": evidence,
        "rows": rows,
        "leaderboard": board,
        "boards": boards_of(services, view),
        "lab_names": lab_names(view),
        "colours": COLOURS,
        "chart": history_chart(series, "Scores on one axis") if slugs else None,
        "everyone": names_of(reads.models(at)),
    }


def changes_page(services: Services, time: PageTime, view: View, q: dict[str, Any]) -> dict:
    """``/changes``: what changed in a window, by default the seven days up to the page's time
    (now, or the time it is read at; a pinned page's window is fixed by its position)."""
    at = time.at
    end = q["to"] or at.as_of or at.known_at or (view.now if at.position is not None else None)
    start = q["from"] or shifted(end or view.now, -timedelta(days=7))
    if end is not None and end < start:
        raise BadParameter("to is before from")
    axis: Axis = q["axis"] or ("known_at" if at.known_at is not None else "as_of")
    cut = view.position if at.position is not None or at.known_at is not None else None
    window = Window(start, end, axis, q["threshold"], q["leaderboard"], cut)
    body = changes(services.reads, window)
    return {
        "changes": body,
        "rows": change_rows(body),
        "window": window,
        "names": names_of(services.reads.models(at)),
        "boards": boards_of(services, view),
        "picked_from": start.date().isoformat(),
        "picked_to": end.date().isoformat() if end else "",
    }


def sources_page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``/sources``: what ``crownlog sources`` shows, failing sources first."""

    def order(row: dict[str, Any]) -> tuple[int, str]:
        return (0 if row.get("healthy") is False else 1, row["id"])

    ordered = sorted(rows, key=order)
    return {
        "sources": ordered,
        "failing": sum(1 for row in rows if row.get("healthy") is False),
    }
