"""The FastAPI application, built from connected services (no globals, no import-time I/O)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from service import __version__
from service.api import errors
from service.api.context import ApiContext, PollNowFn, SourcesFn, SourcesStatusFn
from service.api.dashboard import dashboard_routes
from service.api.docs import install_docs
from service.api.edge import BodyLimit, SecurityHeaders
from service.api.middleware import AccessLog
from service.api.routes_follow import follow_routes
from service.api.routes_live import live_routes
from service.api.routes_log import log_routes
from service.api.routes_ops import ops_routes
from service.api.routes_read import read_routes
from service.bootstrap import Services
from service.sourcemetrics import SOURCE_STATE

STATIC = Path(__file__).parent / "static"


def create_app(
    services: Services,
    sources: SourcesFn | None = None,
    poll_now: PollNowFn | None = None,
    sources_status: SourcesStatusFn | None = None,
) -> FastAPI:
    """The read API and dashboard over ``services``.

    ``sources`` lists the configured sources with their poll state (``/api/v1/sources``);
    ``poll_now`` polls one source by id (``POST /api/v1/sources/{id}/poll``, which also needs
    ``[api] admin_token``); ``sources_status`` reports the sources file (valid, or why not).
    All come from ``jobs``, which this package must not import.
    """
    api = ApiContext(services, sources, poll_now, sources_status)
    SOURCE_STATE.attach(sources)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        api.checkpoints.close()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        title="crownlog",
        version=__version__,
        description=(
            "Read API of crownlog: the open-weights model race, with provenance. Every read of "
            "a projection takes `as_of` (the world at T by all known now), `known_at` (what "
            "crownlog knew at T) or `position` (what it knew after log position N)."
        ),
    )
    errors.install(app)
    app.include_router(ops_routes(api))
    app.include_router(read_routes(api))
    app.include_router(follow_routes(api))
    app.include_router(log_routes(api))
    app.include_router(live_routes(api))
    app.include_router(dashboard_routes(api))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_docs(app)
    # Middleware added last runs first: the access log sees the final status and timing.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    origins = services.settings.api.cors_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["If-None-Match", "Last-Event-ID"],
            expose_headers=["ETag", "X-Request-ID"],
        )
    app.add_middleware(BodyLimit, limit=services.settings.http.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
