"""Following the race live: server-sent events of the log, and an Atom feed of changes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from service.api import atom, opsmodels
from service.api.batched import Batched
from service.api.changes import changes_feed
from service.api.context import ApiContext
from service.api.params import BadParameter
from service.api.query import MAX_POSITION
from service.api.routes_log import After
from service.api.routes_read import Board, Filter
from service.chain import envelope_dict
from service.events import StoredEvent
from service.store import EventStore
from service.timepoint import At

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
#: A stream ends after this long and the client reconnects with Last-Event-ID (as SSE
#: clients do), so a server shutting down never waits on an endless response.
STREAM_SECONDS = 60.0
PAGE = 200


class HeadWatch:
    """The log's head position, read at most once per interval however many streams poll
    (streams polling together share one read)."""

    def __init__(self, store: EventStore, interval: float = POLL_SECONDS) -> None:
        self._read = Batched(lambda: store.head()[0])
        self._interval = interval
        self._head = 0
        self._read_at = float("-inf")

    async def head(self) -> int:
        if time.monotonic() - self._read_at >= self._interval:
            self._head = await self._read.get()
            self._read_at = time.monotonic()
        return self._head


def frame(event: StoredEvent) -> bytes:
    """One SSE message: ``id`` is the position, so a reconnect resumes right after it."""
    data = orjson.dumps(envelope_dict(event))
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.position, event.type.encode(), data)


async def follow(
    store: EventStore, watch: HeadWatch, after: int, lifetime: float = STREAM_SECONDS
) -> AsyncIterator[bytes]:
    """Every event after ``after``, then each new one as it is appended."""
    yield b"retry: 2000\n\n"
    started = beat = time.monotonic()
    while time.monotonic() - started < lifetime:
        if await watch.head() > after:
            events = await run_in_threadpool(store.page, after, PAGE)
            for event in events:
                yield frame(event)
            if events:
                after = events[-1].position
                beat = time.monotonic()
                if len(events) == PAGE:
                    continue  # catching up: no pause between pages
        if time.monotonic() - beat >= HEARTBEAT_SECONDS:
            yield b": keep-alive\n\n"  # keeps proxies from closing an idle stream
            beat = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


def live_routes(api: ApiContext) -> APIRouter:
    """The SSE stream and the Atom feed."""
    router = APIRouter(prefix="/api/v1", tags=["live"], responses=opsmodels.BAD_REQUEST)
    services = api.services
    watch = HeadWatch(services.store)

    @router.get(
        "/events/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Event stream"}},
    )
    async def stream(
        after: After = 0,
        last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    ) -> StreamingResponse:
        """Server-sent events from position ``after`` (or the ``Last-Event-ID`` a reconnecting
        client sends, which wins): ``id`` = position, ``event`` = type, ``data`` = envelope."""
        start = after
        if last_event_id is not None and last_event_id.strip():
            text = last_event_id.strip()
            # ASCII digits only: "²".isdigit() is true, but int("²") fails.
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_POSITION:
                raise BadParameter(f"Last-Event-ID: not a log position: {text[:40]!r}")
            start = int(text)
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            follow(services.store, watch, start), media_type="text/event-stream", headers=headers
        )

    @router.get(
        "/changes.atom",
        response_class=Response,
        responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom 1.0"}},
    )
    async def changes(
        request: Request,
        lab: Filter = None,
        city: Filter = None,
        leaderboard: Board = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Response:
        """An Atom 1.0 feed of model releases and crown changes, newest first, optionally of
        one lab or city."""

        def render() -> tuple[bytes, str]:
            feed = changes_feed(
                services, str(request.base_url), str(request.url), lab, city, leaderboard, limit
            )
            return feed, atom.MEDIA_TYPE

        # Entry links are absolute, so the host the client used is part of the cache key.
        host = request.headers.get("host", "")
        return await api.read_rendered(request, At(), render, vary=host)

    return router
