"""Where a dashboard page stands on the time axes, and links that keep it there.

Every page takes ``as_of``, ``known_at`` or ``position`` (the API's parameters, parsed by the
same ``QuerySpec``), shows the log position and hash it was computed at, and offers a permanent
link: the same page with ``position`` set to that log position (``known_at`` replaced by the
position it cut at). A page read at a position the log has reached is a function of the events
up to it alone, so it is identical forever (docs/design.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from starlette.requests import Request

from service.anchor import Head
from service.api.query import TIME_AXIS, QuerySpec, at_of
from service.appendsql import head_record
from service.bootstrap import Services
from service.clock import format_time
from service.schema import events
from service.timepoint import At

PAGE_TIME = QuerySpec(*TIME_AXIS)
AXES = ("as_of", "known_at", "position")


@dataclass(frozen=True, slots=True)
class PageTime:
    """The page's time point and its query (the values as the reader typed them)."""

    at: At
    path: str
    query: tuple[tuple[str, str], ...]

    def value(self, name: str) -> str:
        return next((v for k, v in self.query if k == name and v), "")

    def axes(self) -> dict[str, str]:
        """The page's own ``as_of`` / ``known_at`` / ``position`` (empty ones dropped)."""
        return {name: self.value(name) for name in AXES if self.value(name)}

    def href(self, path: str, **params: Any) -> str:
        """``path`` with this page's time point and ``params`` (None values dropped)."""
        query = {**self.axes(), **{k: v for k, v in params.items() if v not in (None, "")}}
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    def pinned_href(self, position: int) -> str:
        """This page (every parameter kept) at log position ``position``: a permanent link."""
        query = [(k, v) for k, v in self.query if k not in ("known_at", "position") and v]
        query.append(("position", str(position)))
        return f"{self.path}?{urlencode(query)}"


def page_time(request: Request) -> PageTime:
    """The time point of a page request (``BadParameter`` names a bad value)."""
    at = at_of(PAGE_TIME.parse(request, blank_is_absent=True))
    return PageTime(at, request.url.path, tuple(request.query_params.multi_items()))


def stamp(services: Services, time: PageTime, position: int, live: bool = False) -> dict[str, Any]:
    """What the page header says about where the page stands, and its permanent link.

    A ``live`` page (state kept beside the log, such as source health) shows now whatever
    time point it was asked at: it is never pinned and names no past time."""
    at = time.at
    asked = None if live else at.position
    pinned = asked is not None and asked <= position
    with services.engine.connect() as conn:
        found = conn.execute(
            sa.select(events.c.hash, events.c.recorded_at).where(events.c.position == position)
        ).first()
        # A pinned page anchors the head it is pinned to (the current head would change it).
        head = Head(position, found[0], found[1]) if pinned and found else Head(*head_record(conn))
    return {
        "position": position,
        "hash": found[0] if found else "",
        "pinned": pinned,
        "beyond": asked is not None and asked > position,
        "as_of_text": None if live else _shown(at.as_of),
        "known_at_text": None if live else _shown(at.known_at),
        "permalink": time.pinned_href(position),
        "href": time.href,
        "axes": time.axes(),
        # The log's anchored head when the page was rendered (a past head stays provable).
        "log_head": head.as_dict(),
    }


def _shown(moment: Any) -> str | None:
    return None if moment is None else format_time(moment)[:16].replace("T", " ") + " UTC"
