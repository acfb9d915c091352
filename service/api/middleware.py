"""Request ids, structured access logs and request metrics, as one pure ASGI middleware.

Pure ASGI rather than ``BaseHTTPMiddleware``: it adds no task or body copy per request and
leaves streaming responses (server-sent events) alone. Metrics are labelled by the route
template (``/api/v1/models/{slug}``), never the raw path, so their cardinality stays fixed.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.metrics import LATENCY, REQUESTS

log = structlog.get_logger("crownlog.access")


def route_of(scope: Scope) -> str:
    """The template of the route that answered, or ``unmatched`` (a 404 on no route)."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return str(path) if path else "unmatched"


class AccessLog:
    """Bind a request id for every log line of the request, log and count it when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            elapsed = time.perf_counter() - started
            route, method = route_of(scope), scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "request",
                request_id=request_id,
                method=method,
                path=scope["path"],
                route=route,
                status=status,
                ms=round(elapsed * 1000, 2),
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            # A caller's id is echoed back, so it is kept printable and short.
            text = value.decode("latin-1")[:64]
            if text.isprintable() and text.strip():
                return text
    return uuid.uuid4().hex[:16]
