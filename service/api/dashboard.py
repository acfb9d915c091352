"""The dashboard: server-rendered HTML pages (Jinja2 templates shipped in the package).

Every page takes ``as_of``, ``known_at`` or ``position`` (``service.api.pagetime``), so any
page can be replayed at a past date or pinned to a log position; pages are cached and answered
with ETags like the JSON reads. Scripts live in static files (no inline script or handler).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.api import browsepages, pages
from service.api.citystats import bucket
from service.api.context import ApiContext
from service.api.errors import ApiError
from service.api.pagetime import PageTime, page_time, stamp
from service.api.query import LEADERBOARD, QuerySpec, choice, integer
from service.api.redact import public_row
from service.api.routes_follow import CHANGES
from service.api.routes_read import MODEL_FILTERS, Slug, model_filter
from service.modelsearch import SORTS
from service.readmodel import View

HTML = "text/html; charset=utf-8"
_WEB = ("http://", "https://")
INDEX = QuerySpec(LEADERBOARD, choice("open_weights", "", ("true", "false", "all", "")))
MODEL = QuerySpec(LEADERBOARD, integer("older", "Events before this position.", 1, 2**62))
MODELS = QuerySpec(
    *MODEL_FILTERS,
    LEADERBOARD,
    choice("sort", "", tuple(SORTS)),
    choice("order", "", ("asc", "desc")),
)
COMPARE = QuerySpec(LEADERBOARD)
CHANGES_PAGE = QuerySpec(*(p for p in CHANGES.params.values() if p.name not in ("format",)))
Build = Callable[[PageTime, View, Any], dict[str, Any] | None]


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
    env.filters["interval"] = _interval
    # Only web links become hrefs: a feed item's "javascript:" URL must not be clickable.
    env.filters["web_url"] = lambda url: url if url and url.startswith(_WEB) else None
    # A city's colour is a class of the stylesheet (a strict CSP admits no inline style).
    env.filters["city_key"] = lambda city: bucket(city).lower()
    return env


def _count(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**9:
        return f"{value / 10**9:g}B"
    return "—" if value is None else str(value)


def _interval(row: dict[str, Any]) -> str:
    """A row's confidence interval as ``low–high``, or empty where it has none."""
    low, high = row.get("ci_low"), row.get("ci_high")
    return "" if low is None or high is None else f"{low:g}–{high:g}"


def _weights(value: str | None) -> bool | None:
    return None if value in (None, "", "all") else value == "true"


def dashboard_routes(api: ApiContext) -> APIRouter:
    """``/``, ``/models``, ``/models/{slug}``, ``/compare``, ``/changes``, ``/cities``,
    ``/sources``."""
    router = APIRouter(include_in_schema=False)
    env = templates()
    services = api.services
    reads = services.reads

    def error(exc: ApiError) -> HTMLResponse:
        body = env.get_template("error.html").render(message=exc.detail)
        return HTMLResponse(body, status_code=exc.status_code)

    def html(
        template: str, request: Request, time: PageTime, position: int, live: bool = False,
        **context: Any,
    ) -> str:  # fmt: skip
        at = time.at
        return env.get_template(template).render(
            **context,
            **stamp(services, time, position, live),
            as_of=at.as_of.date().isoformat() if at.as_of else "",
            known_at=at.known_at.date().isoformat() if at.known_at else "",
            path=request.url.path,
        )

    async def page(
        request: Request, template: str, parse: Callable[[Request], Any], build: Build
    ) -> Response:
        """The page ``build`` assembles from ``parse``'s parameters, rendered and cached like a
        JSON read; a bad parameter is an HTML error page naming it."""
        try:
            time, q = page_time(request), parse(request)

            def render() -> tuple[bytes, str]:
                view = reads.view(time.at)
                context = build(time, view, q)
                if context is None:
                    raise ApiError(404, "not_found", "no such model is known at this time")
                return html(template, request, time, view.position, **context).encode(), HTML

            return await api.read_rendered(request, time.at, render)
        except ApiError as exc:  # a bad parameter, an unknown model, the database unavailable
            return error(exc)

    @router.get("/")
    async def index(request: Request) -> Response:
        return await page(
            request,
            "index.html",
            lambda request: INDEX.parse(request, blank_is_absent=True),
            lambda time, view, q: pages.index_page(
                services, time, view, q["leaderboard"], _weights(q["open_weights"])
            ),
        )

    def models_query(request: Request) -> tuple[Any, ...]:
        q = MODELS.parse(request, blank_is_absent=True)
        return model_filter(q), q["sort"] or "name", q["order"] == "desc", q["leaderboard"]

    @router.get("/models")
    async def models_index(request: Request) -> Response:
        return await page(
            request,
            "models.html",
            models_query,
            lambda time, view, q: browsepages.models_index_page(services, time, view, *q),
        )

    @router.get("/models/{slug}")
    async def model(request: Request, slug: Slug) -> Response:
        return await page(
            request,
            "model.html",
            lambda request: MODEL.parse(request, blank_is_absent=True),
            lambda time, view, q: pages.model_page(
                services, slug, time, view, q["leaderboard"], q["older"]
            ),
        )

    def compare_query(request: Request) -> tuple[list[str], str | None]:
        slugs = browsepages.compared(request.query_params.getlist("models"))
        return slugs, COMPARE.parse(request, blank_is_absent=True)["leaderboard"]

    @router.get("/compare")
    async def compare(request: Request) -> Response:
        return await page(
            request,
            "compare.html",
            compare_query,
            lambda time, view, q: browsepages.compare_page(services, time, view, *q),
        )

    @router.get("/changes")
    async def what_changed(request: Request) -> Response:
        return await page(
            request,
            "changes.html",
            lambda request: CHANGES_PAGE.parse(request, blank_is_absent=True),
            lambda time, view, q: browsepages.changes_page(services, time, view, q),
        )

    @router.get("/cities")
    async def cities(request: Request) -> Response:
        return await page(
            request,
            "cities.html",
            lambda _request: None,
            lambda time, view, _q: pages.cities_page(services, time, view),
        )

    @router.get("/sources")
    def sources(request: Request) -> Response:
        """Live poll state (kept outside the log): never cached, never pinned."""
        try:
            time = page_time(request)
            rows = [public_row(row) for row in api.sources()] if api.sources else []
            context = browsepages.sources_page(rows)
            body = html("sources.html", request, time, reads.head(), live=True, **context)
        except ApiError as exc:
            return error(exc)
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    return router
