"""What every route of one app shares: the services, the body cache and injected callables.

``service.api`` never imports ``jobs`` (docs/design.md §1: ``service.api -> service core``);
what only ``jobs`` can answer — the configured sources and polling one now — is passed in as plain
callables by the composition root (``service.cli.serve``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from service.api.batched import Batched
from service.api.checkpoint import CheckpointReader
from service.api.formats import csv_body
from service.api.httpcache import JSON, BodyCache, cached, is_pinned
from service.bootstrap import Services
from service.headsign import signing_key
from service.tables import Table
from service.timepoint import At
from service.tip import Tip, continues

log = structlog.get_logger("crownlog.api")

#: Rows of every configured source (``jobs.schedule.sourcestatus.source_rows``).
SourcesFn = Callable[[], list[dict[str, Any]]]
#: Poll one source now; the outcome as a dict, or None if no source has that id.
PollNowFn = Callable[[str], dict[str, Any] | None]
#: The sources file's state: path, valid, error (line, message), loaded_at, sources.
SourcesStatusFn = Callable[[], dict[str, Any]]


def render_json(value: Any) -> tuple[bytes, str]:
    """``value`` as JSON bytes (orjson: fast, and NaN becomes null rather than invalid JSON)."""
    return orjson.dumps(value), JSON


@dataclass
class ApiContext:
    """The connected parts the routes of one app answer from."""

    services: Services
    sources: SourcesFn | None = None
    poll_now: PollNowFn | None = None
    sources_status: SourcesStatusFn | None = None
    bodies: BodyCache = field(default_factory=BodyCache)
    checkpoints: CheckpointReader = field(init=False)
    checkpoint: Batched[Tip] = field(init=False)
    log_head: Batched[int] = field(init=False)
    #: The tip the cached bodies were rendered from (``follow``).
    seen: Tip | None = field(default=None, init=False)
    #: The key published heads are signed with (``[audit] signing_key``), if any.
    head_key: Ed25519PrivateKey | None = field(init=False)

    def __post_init__(self) -> None:
        self.head_key = signing_key(self.services.settings)  # a bad key stops start-up
        self.checkpoints = CheckpointReader(self.services.engine)
        self.checkpoint = Batched(self.checkpoints.read)
        # Reads of the log itself follow the log's own head, not the projections' checkpoint.
        self.log_head = Batched(lambda: self.services.store.head()[0])

    async def head(self) -> int:
        """The position the projections stand at, read after this call began."""
        return (await self.tip()).position

    async def tip(self) -> Tip:
        """The projections' tip, read after this call began; a log that changed under the
        cached bodies (a restore) empties the cache first."""
        tip = await self.checkpoint.get()
        if tip != self.seen:
            await run_in_threadpool(self.follow, tip)
        return tip

    def follow(self, tip: Tip) -> None:
        """Drop every cached body if the log no longer continues the tip they came from."""
        seen = self.seen
        if seen is not None:
            with self.services.engine.connect() as conn:
                restored = not continues(conn, seen, tip)
            if restored:
                log.warning(
                    "the log changed under the API (a restore?): cached bodies dropped",
                    seen=seen.position,
                    head=tip.position,
                )
                self.bodies.clear()
        self.seen = tip

    async def read(
        self,
        request: Request,
        at: At,
        compute: Callable[[], Any],
        table: Table | None = None,
        accept: bool = False,
    ) -> Response:
        """Answer a projection read at ``at`` (JSON of ``compute()``, or CSV of ``table`` when
        one is given) with ETag, Cache-Control and the body cache. ``accept``: the format may
        come from the ``Accept`` header, so caches must keep one body per ``Accept``."""
        headers = {"Vary": "Accept"} if accept else {}
        if table is not None:
            headers["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
            return await self.read_rendered(
                request, at, lambda: csv_body(table, compute()), "csv", headers
            )
        return await self.read_rendered(
            request, at, lambda: render_json(compute()), headers=headers
        )

    async def read_rendered(
        self,
        request: Request,
        at: At,
        render: Callable[[], tuple[bytes, str]],
        vary: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """``read`` for a body of any media type: ``render()`` gives ``(bytes, media_type)``;
        ``vary`` names what else the body depends on (it joins the ETag)."""
        tip, now = await self.tip(), self.services.clock()
        head = tip.position
        pinned = is_pinned(at, head, now)
        # A current view also depends on the clock (the reigning model's days, 7-day mention
        # windows), so its body is reused for one minute at most, even if the log stands still.
        # The head's hash joins the stamp: a restored log reuses positions for other events.
        stamp = f"{head}:{tip.hash[:16]}" + (f"@{int(now.timestamp() // 60)}" if at.is_now else "")
        return await cached(request, self.bodies, stamp, pinned, render, vary, headers)
