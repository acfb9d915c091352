"""Operations: health, readiness, Prometheus metrics, and the one write (poll a source now)."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from service.api import opsmodels
from service.api.context import ApiContext, render_json
from service.api.errors import ApiError
from service.api.metrics import LOG_POSITION, PROJECTION_LAG, PROJECTION_POSITION
from service.api.redact import public_row
from service.health import check_ready
from service.metrics import DATABASE_UP

log = structlog.get_logger("crownlog.api")

SourceId = Annotated[str, Path(min_length=1, max_length=100, description="A source id.")]
_BEARER = {"WWW-Authenticate": 'Bearer realm="crownlog"'}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": opsmodels.Error} for status in (401, 403, 404, 503)
}


def ops_routes(api: ApiContext) -> APIRouter:
    """Health, readiness, metrics and the admin poll."""
    router = APIRouter(tags=["operations"], responses=opsmodels.BAD_REQUEST)
    services = api.services

    @router.get("/healthz", response_model=opsmodels.Health)
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get(
        "/readyz", response_model=opsmodels.Ready, responses={503: {"model": opsmodels.Ready}}
    )
    def readyz() -> JSONResponse:
        """The database is reachable and at the head migration."""
        readiness = check_ready(services.engine)
        return JSONResponse(asdict(readiness), status_code=200 if readiness.ready else 503)

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"}},
    )
    def metrics() -> Response:
        """Prometheus text: requests per route, log position, projection lag, per-source state
        from the database, poll stats. Answers while the database is down (last known values,
        ``crownlog_database_up 0``)."""
        try:
            log_head = services.store.head()[0]
            projected = services.reads.head()
        except SQLAlchemyError as exc:
            DATABASE_UP.set(0)
            log.warning("metrics: database unavailable", error=str(exc).splitlines()[0])
        else:
            DATABASE_UP.set(1)
            LOG_POSITION.set(log_head)
            PROJECTION_POSITION.set(projected)
            PROJECTION_LAG.set(max(0, log_head - projected))
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @router.post(
        "/api/v1/sources/{source_id}/poll", response_model=opsmodels.PollOutcome, responses=_ERRORS
    )
    async def poll_source(
        source_id: SourceId, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Poll one source now (needs ``Authorization: Bearer <[api] admin_token>``)."""
        _authorize(api, authorization)
        if api.poll_now is None:
            raise HTTPException(503, "this process cannot poll: no poller was configured")
        outcome = await run_in_threadpool(api.poll_now, source_id)
        if outcome is None:
            raise HTTPException(404, f"no source {source_id!r} is configured")
        content, media_type = render_json(public_row(outcome))
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})

    return router


def _authorize(api: ApiContext, authorization: str | None) -> None:
    """Raise unless ``authorization`` carries the configured admin token (constant time)."""
    secret = api.services.settings.api.admin_token
    token = secret.get_secret_value() if secret is not None else ""
    if not token:
        raise ApiError(
            403,
            "admin_disabled",
            "admin endpoints are off: set [api] admin_token (CROWNLOG_API__ADMIN_TOKEN)",
        )
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(401, "send Authorization: Bearer <admin token>", headers=_BEARER)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(403, "the bearer token is not the admin token")
