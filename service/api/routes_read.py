"""Projection reads: standings, crown, models, labs and cities, at any point in time.

Their query parameters are parsed by ``service.api.query`` (see why there); every read takes
``as_of``, ``known_at`` or ``position`` and is answered through the ETag/body cache.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from service.api import models, opsmodels
from service.api.context import ApiContext
from service.api.disputes import with_evidence
from service.api.formats import CSV_RESPONSE, FORMAT, csv_table, page_size
from service.api.params import BadParameter, page
from service.api.query import (
    CITY,
    COUNTRY,
    LAB,
    LEADERBOARD,
    LICENSE,
    OPEN_WEIGHTS,
    PAGE,
    PARAMS_MAX,
    PARAMS_MIN,
    SLUGS,
    TIME_AXIS,
    WEIGHTS_STATUS,
    QuerySpec,
    at_of,
)
from service.clock import format_time
from service.modelsearch import ModelFilter
from service.timepoint import At

Slug = Annotated[str, Path(min_length=1, max_length=200, description="A model slug.")]
Filter = Annotated[str | None, Query(min_length=1, max_length=200)]
Cursor = Annotated[
    str | None, Query(max_length=200, description="The `next` cursor of the previous page.")
]
Board = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Default: the crown leaderboard."),
]

STANDINGS = QuerySpec(*TIME_AXIS, LEADERBOARD, OPEN_WEIGHTS, LAB, CITY, FORMAT)
CROWN = QuerySpec(*TIME_AXIS, LEADERBOARD, FORMAT)
MODEL_FILTERS = (
    LAB, CITY, COUNTRY, LICENSE, OPEN_WEIGHTS, WEIGHTS_STATUS, PARAMS_MIN, PARAMS_MAX, SLUGS
)  # fmt: skip
MODELS = QuerySpec(*TIME_AXIS, *MODEL_FILTERS, *PAGE, FORMAT)
MODEL = QuerySpec(*TIME_AXIS, FORMAT)
PLACES = QuerySpec(*TIME_AXIS, CITY, *PAGE, FORMAT)


def model_filter(q: dict[str, Any]) -> ModelFilter:
    """The filter of parsed ``MODEL_FILTERS`` (``open_weights`` is applied by the read; the
    API's read applies ``lab`` and ``city`` too, the dashboard's index only through this)."""
    low, high = q["params_min"], q["params_max"]
    if low is not None and high is not None and low > high:
        raise BadParameter("params_min is larger than params_max")
    slugs = q.get("slugs")
    return ModelFilter(
        slugs=frozenset(s.strip() for s in slugs.split(",") if s.strip()) if slugs else None,
        lab=q["lab"],
        city=q["city"],
        country=q["country"],
        license=q["license"],
        weights=q["weights"],
        params_min=q["params_min"],
        params_max=q["params_max"],
    )


def read_routes(api: ApiContext) -> APIRouter:
    """The routes of the projection reads."""
    router = APIRouter(prefix="/api/v1", tags=["projections"], responses=opsmodels.BAD_REQUEST)
    reads = api.services.reads

    @router.get("/ping", response_model=opsmodels.Ping, tags=["operations"])
    async def ping() -> dict[str, bool]:
        """A bare JSON answer (the benchmark's baseline)."""
        return {"ok": True}

    @router.get(
        "/standings",
        response_model=models.Standings,
        responses=CSV_RESPONSE,
        openapi_extra=STANDINGS.openapi(),
    )
    async def standings(request: Request) -> Response:
        """Models ranked on a leaderboard under its current method (ranks are board-wide)."""
        q = STANDINGS.parse(request)
        at = at_of(q)
        return await api.read(
            request,
            at,
            lambda: reads.standings(q["leaderboard"], at, q["open_weights"], q["lab"], q["city"]),
            csv_table(request, q["format"], "standings"),
            accept=True,
        )

    @router.get(
        "/crown", response_model=models.Crown, responses=CSV_RESPONSE, openapi_extra=CROWN.openapi()
    )
    async def crown(request: Request) -> Response:
        """The open-weights crown: its holder now and every reign, oldest first (CSV: the
        reigns)."""
        q = CROWN.parse(request)
        at = at_of(q)
        table = csv_table(request, q["format"], "reigns")
        return await api.read(
            request, at, lambda: reads.crown(q["leaderboard"], at), table, accept=True
        )

    @router.get(
        "/models",
        response_model=models.ModelPage,
        responses=CSV_RESPONSE,
        openapi_extra=MODELS.openapi(),
    )
    async def list_models(request: Request) -> Response:
        """Models with their current facts, by slug; follow ``next`` (a slug) to page on.
        In CSV without ``limit``: every model that matches."""
        q = MODELS.parse(request)
        at, chosen = at_of(q), model_filter(q)
        table = csv_table(request, q["format"], "models")
        limit = page_size(request, table, q["limit"])

        def compute() -> dict[str, Any]:
            items = reads.models(at, q["lab"], q["city"], q["open_weights"])
            items = [item for item in items if chosen.matches(item)]
            return page(items, _slug, q["after"], limit)

        return await api.read(request, at, compute, table, accept=True)

    @router.get(
        "/models/{slug}",
        response_model=models.ModelDetail,
        responses={404: {"model": opsmodels.Error}, **CSV_RESPONSE},
        openapi_extra=MODEL.openapi(),
    )
    async def one_model(request: Request, slug: Slug) -> Response:
        """One model's facts (404 if the log never named it, or not by ``at``). In CSV: the
        reports of its disputed figures, one row each, with their evidence."""
        q = MODEL.parse(request)
        at, table = at_of(q), csv_table(request, q["format"], "disputes")

        def compute() -> dict[str, Any]:
            found = reads.model(slug, at)
            if found is None:
                raise HTTPException(404, f"no model {slug!r} is known{_when(at)}")
            return with_evidence(reads.engine, found)

        return await api.read(request, at, compute, table, accept=True)

    def places(kind: str) -> Any:
        async def endpoint(request: Request) -> Response:
            q = PLACES.parse(request)
            at, city = at_of(q), q["city"]
            table = csv_table(request, q["format"], "labs" if kind == "lab" else "cities")
            limit = page_size(request, table, q["limit"])

            def compute() -> dict[str, Any]:
                items = reads.places(kind, at)
                if city is not None:
                    items = [p for p in items if (p["city"] or "").lower() == city.lower()]
                return page(items, _slug, q["after"], limit)

            return await api.read(request, at, compute, table, accept=True)

        return endpoint

    for kind, path, summary in (
        ("lab", "/labs", "Labs with models released, best rank, crown-days and mentions."),
        ("city", "/cities", "Cities (their labs summed) with the same measures as labs."),
    ):
        router.get(
            path,
            response_model=models.PlacePage,
            responses=CSV_RESPONSE,
            summary=path.strip("/").capitalize(),
            description=summary,
            openapi_extra=PLACES.openapi(),
        )(places(kind))
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
