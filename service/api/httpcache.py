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
    """A bounded LRU of rendered bodies, keyed by ETag (so by position, path and query).

    Bounded in entries and in bytes: a body of more than an eighth of the budget (a large
    events page) is served but not kept.
    """

    def __init__(self, size: int = 2048, max_bytes: int = 64 * 2**20) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def clear(self) -> None:
        """Forget every body (the log they were rendered from was replaced)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def put(self, key: str, body: bytes, media_type: str) -> None:
        if len(body) > self._max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, media_type)
            self._bytes += len(body)
            while len(self._entries) > self._size or self._bytes > self._max_bytes:
                _key, (evicted, _type) = self._entries.popitem(last=False)
                self._bytes -= len(evicted)


def is_pinned(at: At, head: int, now: datetime) -> bool:
    """True if the read at ``at`` can never change (see the module docstring)."""
    if at.position is not None:
        return at.position <= head
    if at.known_at is not None:
        return at.known_at <= now - SETTLED_AFTER
    return False


def etag_for(stamp: str, request: Request) -> str:
    """A weak ETag over ``stamp`` (the head position, or "pinned"), the path and the query.

    Weak: the same body is served gzip-compressed or not (RFC 9110 §8.8.3), and weak
    comparison is what ``If-None-Match`` uses anyway.
    """
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    digest = hashlib.sha256(f"{stamp}\n{request.url.path}\n{query}".encode()).hexdigest()
    return f'W/"{digest[:32]}"'


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
    # Weak comparison (RFC 9110 §13.1.2): opaque tags compared without their W/ prefix.
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in header.split(","))


async def cached(
    request: Request,
    cache: BodyCache,
    stamp: str,
    pinned: bool,
    render: Callable[[], tuple[bytes, str]],
    vary: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """A 304 if the client holds the current body, else the (possibly cached) rendered body.

    ``render`` returns ``(body, media_type)``; it runs in a worker thread, on a cache miss only.
    ``vary`` is anything else the body depends on (a host name in absolute links, the format
    an ``Accept`` header chose); ``headers`` are added to the response.
    """
    etag = etag_for(f"{'pinned' if pinned else stamp}|{vary}", request)
    headers = {**(headers or {}), "ETag": etag, "Cache-Control": cache_control(pinned)}
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    found = cache.get(etag)
    if found is None:
        found = await run_in_threadpool(render)
        cache.put(etag, *found)
    body, media_type = found
    return Response(body, media_type=media_type, headers=headers)
