"""The FastAPI application, built from connected services (no globals, no import-time I/O)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from service import __version__
from service.api import errors
from service.api.middleware import access_log
from service.api.models import EventPage, Health, Ready
from service.bootstrap import Services
from service.chain import envelope_dict
from service.health import check_ready

MAX_PAGE = 1000


def create_app(services: Services) -> FastAPI:
    """The read API over ``services``."""
    app = FastAPI(
        title="crownlog",
        version=__version__,
        description="Read API of crownlog: the open-weights model race, with provenance.",
    )
    errors.install(app)
    app.middleware("http")(access_log)
    store = services.store

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz", response_model=Ready, tags=["operations"], responses={503: {"model": Ready}}
    )
    def readyz() -> Any:
        """The database is reachable and at the head migration."""
        readiness = check_ready(services.engine)
        body = Ready(**asdict(readiness)).model_dump()
        return JSONResponse(body, status_code=200 if readiness.ready else 503)

    @app.get("/api/v1/events", response_model=EventPage, tags=["events"])
    def list_events(
        after: int = Query(0, ge=0, description="Return events after this log position."),
        limit: int = Query(100, ge=1, le=MAX_PAGE, description=f"At most {MAX_PAGE}."),
    ) -> dict[str, Any]:
        """Events in log order; follow ``next`` (a position) to page on."""
        page = store.page(after=after, limit=limit)
        items = [envelope_dict(event) for event in page]
        more = len(page) == limit
        return {"items": items, "next": str(page[-1].position) if more else None}

    return app
