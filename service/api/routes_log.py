"""Reads of the log itself: events, a model's events with their source items, the audit,
and the sources that feed the log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from service import reader
from service.api import models
from service.api.batched import Batched
from service.api.context import ApiContext, render_json
from service.api.httpcache import cached
from service.api.params import limit_query, page
from service.api.query import MAX_POSITION
from service.api.redact import public_row
from service.api.routes_read import Cursor, Slug
from service.api.sourceitems import item_keys, source_items, with_items
from service.audit import verify_chain
from service.chain import envelope_dict

After = Annotated[
    int, Query(ge=0, le=MAX_POSITION, description="Return events after this log position.")
]


def log_routes(api: ApiContext) -> APIRouter:
    """The routes that read the log, the audit and the sources."""
    router = APIRouter(prefix="/api/v1", responses=models.BAD_REQUEST)
    services = api.services

    @router.get("/events", response_model=models.EventPage, tags=["events"])
    async def list_events(
        request: Request, after: After = 0, limit: int = limit_query()
    ) -> Response:
        """Events in log order; follow ``next`` (a position) to page on."""
        head = await api.log_head.get()

        def render() -> tuple[bytes, str]:
            events = services.store.page(after=after, limit=limit)
            # Positions are gapless: the page is the last one if it reached the head.
            more = bool(events) and events[-1].position < head
            items = [envelope_dict(event) for event in events]
            return render_json({"items": items, "next": str(events[-1].position) if more else None})

        # Never rewritten either: a full page below the head is final.
        return await cached(request, api.bodies, str(head), after + limit <= head, render)

    @router.get(
        "/models/{slug}/events",
        response_model=models.ModelEventPage,
        responses={404: {"model": models.Error}},
        tags=["events"],
    )
    async def model_events(
        request: Request, slug: Slug, after: After = 0, limit: int = limit_query()
    ) -> Response:
        """A model's events in log order, each with the source item it was read from."""
        head = await api.log_head.get()

        def render() -> tuple[bytes, str]:
            with services.engine.connect() as conn:
                events = reader.fetch(conn, after, limit=limit + 1, stream=f"model:{slug}")
                if not events and after == 0 and services.reads.model(slug) is None:
                    raise HTTPException(404, f"no model {slug!r} is known")
                shown = events[:limit]
                items = source_items(conn, item_keys(shown))
            body = with_items([envelope_dict(event) for event in shown], items)
            more = len(events) > limit
            return render_json({"items": body, "next": str(shown[-1].position) if more else None})

        return await cached(request, api.bodies, str(head), False, render)

    # Requests arriving together share one walk that began after they came (a walk is
    # fresh, never from a cache); a flood of requests cannot start a walk each.
    audits = Batched(lambda: verify_chain(services.store))

    @router.get("/audit", response_model=models.Audit, tags=["operations"])
    async def audit() -> Response:
        """Walk the whole log: positions gapless from 1, every hash recomputes and links."""
        report = await audits.get()
        body = {
            "ok": report.ok,
            "events": report.events,
            "first_bad_position": report.first_bad_position,
            "problems": report.problems,
        }
        content, media_type = render_json(body)
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})

    @router.get("/sources", response_model=models.SourcePage, tags=["sources"])
    def sources(after: Cursor = None, limit: int = limit_query()) -> Response:
        """Every configured source with its poll state, by id."""
        rows = sorted((public_row(r) for r in api.sources()) if api.sources else [], key=_id)
        content, media_type = render_json(page(rows, _id, after, limit))
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})

    return router


def _id(row: dict[str, Any]) -> str:
    return str(row["id"])
