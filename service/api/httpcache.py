"""HTTP caching of reads: ETags from the log position, 304s, Cache-Control, rendered bodies.

A read's body is a function of (the position the projections stand at, path, query), so the
ETag hashes exactly those, and the rendered bytes are kept under the same key: a current read
is one checkpoint query (shared, see ``service.api.batched``) and a dict lookup. A current
view also moves with the clock (the reigning model's days), so its stamp adds the minute.

A read pinned to the past (``position`` at or below the head, ``known_at`` safely in the
past) can never change, so it is cached by (path, query) alone and served ``immutable``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from service.timepoint import At

#: Current reads may be reused this long by caches between us and the reader.
CURRENT_MAX_AGE = 5
PINNED_MAX_AGE = 365 * 86400
#: ``known_at`` older than this is settled: appends that began before it have committed.
SETTLED_AFTER = timedelta(minutes=5)
JSON = "application/json"


class BodyCache:
    """A bounded LRU of rendered bodies, keyed by ETag (so by position, path and query)."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, body: bytes, media_type: str) -> None:
        with self._lock:
            self._entries[key] = (body, media_type)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def is_pinned(at: At, head: int, now: datetime) -> bool:
    """True if the read at ``at`` can never change (see the module docstring)."""
    if at.position is not None:
        return at.position <= head
    if at.known_at is not None:
        return at.known_at <= now - SETTLED_AFTER
    return False


def etag_for(stamp: str, request: Request) -> str:
    """A strong ETag over ``stamp`` (the head position, or "pinned"), the path and the query."""
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    digest = hashlib.sha256(f"{stamp}\n{request.url.path}\n{query}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def cache_control(pinned: bool) -> str:
    if pinned:
        return f"public, max-age={PINNED_MAX_AGE}, immutable"
    return f"public, max-age={CURRENT_MAX_AGE}"


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): a W/ prefix added by a proxy still matches.
    return etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


async def cached(
    request: Request,
    cache: BodyCache,
    stamp: str,
    pinned: bool,
    render: Callable[[], tuple[bytes, str]],
) -> Response:
    """A 304 if the client holds the current body, else the (possibly cached) rendered body.

    ``render`` returns ``(body, media_type)``; it runs in a worker thread, on a cache miss only.
    """
    etag = etag_for("pinned" if pinned else stamp, request)
    headers = {"ETag": etag, "Cache-Control": cache_control(pinned)}
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    found = cache.get(etag)
    if found is None:
        found = await run_in_threadpool(render)
        cache.put(etag, *found)
    body, media_type = found
    return Response(body, media_type=media_type, headers=headers)
