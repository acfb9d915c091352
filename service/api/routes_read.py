"""Projection reads: standings, crown, models, labs and cities, at any point in time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from service.api import models
from service.api.context import ApiContext
from service.api.params import limit_query, page, time_axis
from service.clock import format_time
from service.timepoint import At

Slug = Annotated[str, Path(min_length=1, max_length=200, description="A model slug.")]
Filter = Annotated[str | None, Query(min_length=1, max_length=200)]
Cursor = Annotated[
    str | None, Query(max_length=200, description="The `next` cursor of the previous page.")
]
OpenWeights = Annotated[bool | None, Query(description="Only open (true) or closed (false).")]
Board = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Default: the crown leaderboard."),
]


def read_routes(api: ApiContext) -> APIRouter:
    """The routes of the projection reads."""
    router = APIRouter(prefix="/api/v1", tags=["projections"])
    reads = api.services.reads

    @router.get("/ping", response_model=models.Ping, tags=["operations"])
    async def ping() -> dict[str, bool]:
        """A bare JSON answer (the benchmark's baseline)."""
        return {"ok": True}

    @router.get("/standings", response_model=models.Standings)
    def standings(
        request: Request,
        at: Annotated[At, Depends(time_axis)],
        leaderboard: Board = None,
        open_weights: OpenWeights = None,
        lab: Filter = None,
        city: Filter = None,
    ) -> Response:
        """Models ranked on a leaderboard under its current method (ranks are board-wide)."""
        return api.read(
            request, at, lambda: reads.standings(leaderboard, at, open_weights, lab, city)
        )

    @router.get("/crown", response_model=models.Crown)
    def crown(
        request: Request, at: Annotated[At, Depends(time_axis)], leaderboard: Board = None
    ) -> Response:
        """The open-weights crown: its holder now and every reign, oldest first."""
        return api.read(request, at, lambda: reads.crown(leaderboard, at))

    @router.get("/models", response_model=models.ModelPage)
    def list_models(
        request: Request,
        at: Annotated[At, Depends(time_axis)],
        lab: Filter = None,
        city: Filter = None,
        open_weights: OpenWeights = None,
        after: Cursor = None,
        limit: int = limit_query(),
    ) -> Response:
        """Models with their current facts, by slug; follow ``next`` (a slug) to page on."""

        def compute() -> dict[str, Any]:
            items = reads.models(at, lab, city, open_weights)
            return page(items, _slug, after, limit)

        return api.read(request, at, compute)

    @router.get(
        "/models/{slug}", response_model=models.Model, responses={404: {"model": models.Error}}
    )
    def one_model(request: Request, slug: Slug, at: Annotated[At, Depends(time_axis)]) -> Response:
        """One model's facts (404 if the log never named it, or not by ``at``)."""

        def compute() -> dict[str, Any]:
            found = reads.model(slug, at)
            if found is None:
                raise HTTPException(404, f"no model {slug!r} is known{_when(at)}")
            return found

        return api.read(request, at, compute)

    def places(kind: str) -> Any:
        def endpoint(
            request: Request,
            at: Annotated[At, Depends(time_axis)],
            city: Filter = None,
            after: Cursor = None,
            limit: int = limit_query(),
        ) -> Response:
            def compute() -> dict[str, Any]:
                items = reads.places(kind, at)
                if city is not None:
                    items = [p for p in items if (p["city"] or "").lower() == city.lower()]
                return page(items, _slug, after, limit)

            return api.read(request, at, compute)

        return endpoint

    router.get(
        "/labs",
        response_model=models.PlacePage,
        summary="Labs",
        description="Labs with models released, best rank, crown-days and mentions.",
    )(places("lab"))
    router.get(
        "/cities",
        response_model=models.PlacePage,
        summary="Cities",
        description="Cities (the labs in each, summed) with the same measures as labs.",
    )(places("city"))
    return router


def _slug(item: dict[str, Any]) -> str:
    return str(item["slug"])


def _when(at: At) -> str:
    parts = [
        f"{name} {format_time(value)}"
        for name, value in (("as_of", at.as_of), ("known_at", at.known_at))
        if value is not None
    ]
    if at.position is not None:
        parts.append(f"position {at.position}")
    return " at " + ", ".join(parts) if parts else ""
