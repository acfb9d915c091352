"""Reads of the log itself: events, a model's events with their source items, the audit,
and the sources that feed the log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from service.anchor import current_head
from service.api import models, opsmodels
from service.api.batched import Batched
from service.api.context import ApiContext, render_json
from service.api.formats import CSV_RESPONSE, csv_body, csv_table, page_size
from service.api.httpcache import cached
from service.api.modelevents import events_page
from service.api.params import limit_query, page
from service.api.query import MAX_POSITION
from service.api.redact import public_row
from service.api.routes_read import Cursor, Slug
from service.audit import verify_chain
from service.chain import envelope_dict
from service.headsign import signed
from service.tables import Table

Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`json` (default) or `csv`; `Accept: text/csv` also selects CSV."),
]
Order = Annotated[
    Literal["asc", "desc"], Query(description="`asc`: log order; `desc`: newest first.")
]
After = Annotated[
    int, Query(ge=0, le=MAX_POSITION, description="Return events after this log position.")
]


def log_routes(api: ApiContext) -> APIRouter:
    """The routes that read the log, the audit and the sources."""
    router = APIRouter(prefix="/api/v1", responses=opsmodels.BAD_REQUEST)
    services = api.services

    @router.get("/events", response_model=models.EventPage, responses=CSV_RESPONSE, tags=["events"])
    async def list_events(
        request: Request, after: After = 0, limit: int = limit_query(), format: Format = None
    ) -> Response:
        """Events in log order; follow ``next`` (a position) to page on (CSV pages too: the
        next page is ``after`` the last row's position)."""
        head = await api.log_head.get()
        table = csv_table(request, format, "events")

        def render() -> tuple[bytes, str]:
            events = services.store.page(after=after, limit=limit)
            # Positions are gapless: the page is the last one if it reached the head.
            more = bool(events) and events[-1].position < head
            items = [envelope_dict(event) for event in events]
            body = {"items": items, "next": str(events[-1].position) if more else None}
            return csv_body(table, body) if table else render_json(body)

        # Never rewritten either: a full page below the head is final.
        final = after + limit <= head
        return await cached(request, api.bodies, str(head), final, render, *_format(table))

    @router.get(
        "/models/{slug}/events",
        response_model=models.ModelEventPage,
        responses={404: {"model": opsmodels.Error}, **CSV_RESPONSE},
        tags=["events"],
    )
    async def model_events(
        request: Request,
        slug: Slug,
        after: After = 0,
        limit: int = limit_query(),
        order: Order = "asc",
        format: Format = None,
    ) -> Response:
        """A model's events, each with the source item it was read from: in log order, or
        newest first (``order=desc``: ``after`` = a position, older events follow)."""
        head = await api.log_head.get()
        table = csv_table(request, format, "model-events")
        newest_first = order == "desc"

        def render() -> tuple[bytes, str]:
            cursor = (after or None) if newest_first else after
            with services.engine.connect() as conn:
                body = events_page(conn, slug, cursor, limit, newest_first)
            if not body["items"] and not after and services.reads.model(slug) is None:
                raise HTTPException(404, f"no model {slug!r} is known")
            return csv_body(table, body) if table else render_json(body)

        return await cached(request, api.bodies, str(head), False, render, *_format(table))

    # Requests arriving together share one walk that began after they came (a walk is
    # fresh, never from a cache); a flood of requests cannot start a walk each.
    audits = Batched(lambda: verify_chain(services.store))

    @router.get("/audit", response_model=opsmodels.Audit, tags=["operations"])
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

    @router.get("/audit/head", response_model=opsmodels.AuditHead, tags=["operations"])
    def audit_head() -> Response:
        """The log's head ``{"position", "hash", "recorded_at"}``, signed with Ed25519 when
        ``[audit] signing_key`` is set. Keep it: ``crownlog audit verify --expect POS:HASH``
        later proves the log still holds it."""
        statement = signed(current_head(services.engine), api.head_key)
        content, media_type = render_json(statement)
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})

    @router.get(
        "/sources", response_model=opsmodels.SourcePage, responses=CSV_RESPONSE, tags=["sources"]
    )
    def sources(
        request: Request,
        after: Cursor = None,
        limit: int = limit_query(),
        format: Format = None,
    ) -> Response:
        """Every configured source with its poll state, by id (CSV without ``limit``: all)."""
        rows = sorted((public_row(r) for r in api.sources()) if api.sources else [], key=_id)
        table = csv_table(request, format, "sources")
        body = page(rows, _id, after, page_size(request, table, limit))
        if table:
            content, media_type = csv_body(table, body)
        else:
            status = api.sources_status() if api.sources_status else None
            content, media_type = render_json({**body, "sources_file": status})
        headers = {"Cache-Control": "no-store", "Vary": "Accept", **_format(table)[1]}
        return Response(content, media_type=media_type, headers=headers)

    return router


def _format(table: Table | None) -> tuple[str, dict[str, str]]:
    """``cached``'s ``vary`` and extra headers for a JSON or CSV body."""
    if table is None:
        return "", {"Vary": "Accept"}
    disposition = f'attachment; filename="{table.name}.csv"'
    return "csv", {"Vary": "Accept", "Content-Disposition": disposition}


def _id(row: dict[str, Any]) -> str:
    return str(row["id"])
