"""What every route of one app shares: the services, the body cache and injected callables.

``service.api`` never imports ``jobs`` (DESIGN §1: ``service.api -> service core``); what only
``jobs`` can answer — the configured sources and polling one now — is passed in as plain
callables by the composition root (``service.cli.serve``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from service.api.httpcache import JSON, BodyCache, cached, is_pinned
from service.bootstrap import Services
from service.timepoint import At

#: Rows of every configured source (``jobs.sourcestatus.source_rows``).
SourcesFn = Callable[[], list[dict[str, Any]]]
#: Poll one source now; the outcome as a dict, or None if no source has that id.
PollNowFn = Callable[[str], dict[str, Any] | None]


def render_json(value: Any) -> tuple[bytes, str]:
    """``value`` as JSON bytes (orjson: fast, and NaN becomes null rather than invalid JSON)."""
    return orjson.dumps(value), JSON


@dataclass
class ApiContext:
    """The connected parts the routes of one app answer from."""

    services: Services
    sources: SourcesFn | None = None
    poll_now: PollNowFn | None = None
    bodies: BodyCache = field(default_factory=BodyCache)

    def head(self) -> int:
        """The position the projections stand at (one checkpoint query)."""
        return self.services.reads.head()

    def read(
        self,
        request: Request,
        at: At,
        compute: Callable[[], Any],
        render: Callable[[Any], tuple[bytes, str]] = render_json,
    ) -> Response:
        """Answer a projection read at ``at`` with ETag, Cache-Control and the body cache."""
        head = self.head()
        pinned = is_pinned(at, head, self.services.clock())
        return cached(request, self.bodies, str(head), pinned, lambda: render(compute()))
