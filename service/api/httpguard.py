"""Limits on what one HTTP connection may send before the app sees a request.

uvicorn's httptools protocol accepts a request head of any size (a 100 MB header or 10,000
headers are buffered whole) and never times out a connection that trickles its head in a byte
at a time. ``guarded_protocol`` returns the same protocol with limits, enforced as bytes arrive:

- the request head (request line and headers) at most ``max_head_bytes``; the request target
  at most ``max_url_bytes``; at most ``max_headers`` header fields — answered 431 / 414 and
  closed;
- the whole head within ``head_timeout`` seconds of the connection opening or of the previous
  response ending (a slow-loris connection is answered 408 and closed, however steadily it
  trickles); an idle keep-alive connection is closed by uvicorn's own ``timeout_keep_alive``.

Bodies are bounded by ``service.api.edge.BodyLimit`` (the app decides when it reads them).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.settings import HttpSettings


class _Refusal(Exception):
    """Raised inside a parser callback to stop the parse; carries the answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


_REASONS = {408: b"Request Timeout", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


class GuardedHttpTools(HttpToolsProtocol):
    """``HttpToolsProtocol`` with ``limits`` (a class attribute set by ``guarded_protocol``)."""

    limits: ClassVar[HttpSettings] = HttpSettings()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_head = True
        self._head_bytes = self._url_bytes = self._header_count = 0
        self._heads_done = 0
        self._refusal: _Refusal | None = None
        self._head_timer: asyncio.TimerHandle | None = None

    # -- the connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # answered and closing: read nothing more
        if not self._awaiting_head:
            super().data_received(data)
            return
        room = self.limits.max_head_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            super().data_received(data)
            return
        # One read may hold the end of the head and the body (or the next request) after it:
        # the parser gets only what the head may still use, and the rest only if the head
        # ended within it. The parser never buffers more than ``max_head_bytes`` of a head.
        heads_before = self._heads_done
        self._head_bytes += room
        super().data_received(data[:room])
        if self._refusal is not None or self.transport.is_closing():
            return
        if self._heads_done == heads_before:
            self._refuse(_Refusal(431, f"request head over {self.limits.max_head_bytes} bytes"))
            return
        self.data_received(data[room:])

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers every parser error with 400; a limit we raised keeps its own status.
        if self._refusal is None:
            super().send_400_response(msg)
            return
        self._answer(self._refusal)

    # -- parser callbacks -------------------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.limits.max_url_bytes:
            raise self._refused(
                _Refusal(414, f"request target over {self.limits.max_url_bytes} bytes")
            )
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            raise self._refused(_Refusal(431, f"more than {self.limits.max_headers} header fields"))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._heads_done += 1
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # What arrives next is the head of the next request on this connection.
        self._awaiting_head = True
        self._head_bytes = self._url_bytes = self._header_count = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    # -- limits -----------------------------------------------------------------------------

    def _refused(self, refusal: _Refusal) -> _Refusal:
        self._refusal = refusal
        return refusal

    def _refuse(self, refusal: _Refusal) -> None:
        self._refusal = refusal
        self._answer(refusal)

    def _answer(self, refusal: _Refusal) -> None:
        """Answer ``refusal`` and close the connection (no app ever sees the request)."""
        self._cancel_head_timer()
        self.logger.warning("HTTP request refused: %s", refusal.reason)
        if self.transport.is_closing():
            return
        body = refusal.reason.encode("ascii")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s"
            % (refusal.status, _REASONS.get(refusal.status, b"Bad Request"), len(body), body)
        )
        self.transport.close()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_overdue)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a response is being written: the head came in time
        late = f"request head not received within {self.limits.head_timeout:g} s"
        self._refuse(_Refusal(408, late))


def guarded_protocol(limits: HttpSettings) -> type[GuardedHttpTools]:
    """The protocol class uvicorn should use (``uvicorn.run(http=...)``) with ``limits``."""
    return type("GuardedHttpTools", (GuardedHttpTools,), {"limits": limits})
