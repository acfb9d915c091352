"""The dashboard: server-rendered HTML pages (Jinja2 templates shipped in the package).

Every page takes ``as_of`` (the date picker's GET form), so any page can be replayed at a
past date; pages are cached and answered with ETags like the JSON reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.api import pages
from service.api.context import ApiContext
from service.api.errors import ApiError
from service.api.params import parse_moment
from service.api.routes_read import Board, Slug
from service.timepoint import At

HTML = "text/html; charset=utf-8"
_WEB = ("http://", "https://")
AsOf = Annotated[str | None, Query(max_length=40, description="Show the page as of this date.")]
Weights = Annotated[str | None, Query(max_length=10, description="`true`, `false` or empty.")]


def templates() -> Environment:
    """The template environment (autoescaping on: every value is escaped unless Markup)."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda text: text[:10] if text else "—"
    env.filters["count"] = _count
    # Only web links become hrefs: a feed item's "javascript:" URL must not be clickable.
    env.filters["web_url"] = lambda url: url if url and url.startswith(_WEB) else None
    return env


def _count(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**9:
        return f"{value / 10**9:g}B"
    return "—" if value is None else str(value)


def _weights(text: str | None) -> bool | None:
    if text in (None, "", "all"):
        return None
    if text in ("true", "false"):
        return text == "true"
    raise ApiError(422, "bad_request", f"open_weights: expected true, false or empty, not {text!r}")


def dashboard_routes(api: ApiContext) -> APIRouter:
    """``/``, ``/models/{slug}`` and ``/cities``."""
    router = APIRouter(include_in_schema=False)
    env = templates()
    services = api.services

    def error(exc: ApiError) -> HTMLResponse:
        body = env.get_template("error.html").render(message=exc.detail)
        return HTMLResponse(body, status_code=exc.status_code)

    async def page(
        request: Request, as_of: str | None, template: str, build: Callable[[At, datetime], Any]
    ) -> Response:
        """The page ``build`` assembles at ``as_of``, rendered and cached like a JSON read."""
        try:
            at = At(as_of=parse_moment("as_of", as_of))
        except ApiError as exc:
            return error(exc)
        now = at.as_of or services.clock()

        def render() -> tuple[bytes, str]:
            context = build(at, now)
            if context is None:
                raise ApiError(404, "not_found", "no such model is known at this time")
            picked = at.as_of.date().isoformat() if at.as_of else ""
            html = env.get_template(template).render(
                **context, **pages.stamp(services, at), as_of=picked, path=request.url.path
            )
            return html.encode(), HTML

        try:
            return await api.read_rendered(request, at, render)
        except ApiError as exc:  # a bad filter, an unknown model, the database unavailable
            return error(exc)

    @router.get("/")
    async def index(
        request: Request,
        as_of: AsOf = None,
        leaderboard: Board = None,
        open_weights: Weights = None,
    ) -> Response:
        return await page(
            request,
            as_of,
            "index.html",
            lambda at, now: pages.index_page(
                services, at, now, leaderboard, _weights(open_weights)
            ),
        )

    @router.get("/models/{slug}")
    async def model(request: Request, slug: Slug, as_of: AsOf = None) -> Response:
        return await page(
            request, as_of, "model.html", lambda at, now: pages.model_page(services, slug, at, now)
        )

    @router.get("/cities")
    async def cities(request: Request, as_of: AsOf = None) -> Response:
        return await page(
            request, as_of, "cities.html", lambda at, now: pages.cities_page(services, at, now)
        )

    return router
