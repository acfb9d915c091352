"""Following the race over time: a model's history on a board, and what changed between two
times (docs/design.md §6). Both read at any point of either time axis, in JSON or CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from service.api import followmodels, opsmodels
from service.api.context import ApiContext
from service.api.formats import CSV_RESPONSE, FORMAT, csv_table
from service.api.query import (
    LEADERBOARD,
    TIME_AXIS,
    BadParameter,
    QuerySpec,
    at_of,
    choice,
    integer,
    moment,
)
from service.api.routes_read import Slug
from service.diff import AXES, DEFAULT_THRESHOLD, Window, changes
from service.timepoint import At

HISTORY = QuerySpec(*TIME_AXIS, LEADERBOARD, FORMAT)
CHANGES = QuerySpec(
    moment("from", "The earlier end (required)"),
    moment("to", "The later end (default: now)"),
    choice("axis", "`as_of`: the world at each end; `known_at`: what crownlog showed.", AXES),
    integer("threshold", "Smallest rank move reported.", 1, 10_000, default=DEFAULT_THRESHOLD),
    LEADERBOARD,
    TIME_AXIS[2],  # position: pins both ends to what the log held then
    FORMAT,
)


def window_of(q: dict[str, Any]) -> Window:
    """The comparison a parsed ``CHANGES`` query asks for (``BadParameter`` if none)."""
    if q["from"] is None:
        raise BadParameter("from: required (ISO 8601, e.g. 2025-07-11)")
    if q["to"] is not None and q["to"] < q["from"]:
        raise BadParameter("to is before from")
    return Window(
        q["from"], q["to"], q["axis"] or "as_of", q["threshold"], q["leaderboard"], q["position"]
    )


def follow_routes(api: ApiContext) -> APIRouter:
    """``/api/v1/models/{slug}/history`` and ``/api/v1/changes``."""
    router = APIRouter(prefix="/api/v1", tags=["projections"], responses=opsmodels.BAD_REQUEST)
    reads = api.services.reads

    @router.get(
        "/models/{slug}/history",
        response_model=followmodels.History,
        responses={404: {"model": opsmodels.Error}, **CSV_RESPONSE},
        openapi_extra=HISTORY.openapi(),
    )
    async def model_history(request: Request, slug: Slug) -> Response:
        """Score, interval, rank and weights status per snapshot of one board, oldest first
        (and a point where the model left the board)."""
        q = HISTORY.parse(request)
        at = at_of(q)

        def compute() -> dict[str, Any]:
            found = reads.history(slug, q["leaderboard"], at)
            if found is None:
                raise HTTPException(404, f"the log holds nothing about a model {slug!r} then")
            return found

        table = csv_table(request, q["format"], "history")
        return await api.read(request, at, compute, table, accept=True)

    @router.get(
        "/changes",
        response_model=followmodels.Changes,
        responses=CSV_RESPONSE,
        openapi_extra=CHANGES.openapi(),
    )
    async def what_changed(request: Request) -> Response:
        """What changed between ``from`` and ``to``: models that entered or left each board,
        rank moves of at least ``threshold``, releases, weights-status changes, the crown."""
        q = CHANGES.parse(request)
        window = window_of(q)
        # Cached like a read at the later end (a known_at end in the past is settled).
        at = At(position=window.position) if window.position is not None else At()
        table = csv_table(request, q["format"], "changes")
        return await api.read(request, at, lambda: changes(reads, window), table, accept=True)

    return router
