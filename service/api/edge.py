"""What every response carries and what a request body may be, as pure ASGI middleware.

- ``SecurityHeaders``: a strict ``Content-Security-Policy`` (the dashboard's scripts and styles
  are files under ``/static``, its charts are inline SVG with presentation attributes only: no
  inline script, style or handler anywhere), ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``. A response that sets its own
  policy (``/docs``, whose Swagger page needs one inline script) keeps it.
- ``BodyLimit``: a request body over ``limit`` bytes is refused with 413, by its
  ``Content-Length`` before the app runs, or while the app reads a chunked body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors, for browsers that predate CSP 2
)


class SecurityHeaders:
    """Add the security headers to every HTTP response (unless it set them itself)."""

    def __init__(self, app: ASGIApp, policy: str = CSP) -> None:
        self.app = app
        self.policy = policy.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", self.policy))
                headers += [(name, value) for name, value in HEADERS if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 and the error body."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received, started, too_large = 0, False, False

        async def counted() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    too_large = True
                    return {"type": "http.disconnect"}  # the app stops reading: nobody is there
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return  # whatever the app answers to the "disconnect", the client gets a 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = (
            b'{"error":{"code":"payload_too_large","message":"request body over %d bytes"}}'
            % self.limit
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
