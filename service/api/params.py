"""Query parameters shared by the read endpoints: the two time axes and cursor pages.

Times are parsed here, not by pydantic, so a bad value gets a 422 whose message names the
parameter and the accepted format (``service.clock.parse_time``'s own wording).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from starlette.exceptions import HTTPException

from service.clock import parse_time
from service.timepoint import At

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
TIME_FORMAT = "ISO 8601, e.g. 2025-07-11 or 2025-07-11T08:00:00Z"

T = TypeVar("T")


class BadParameter(HTTPException):
    """A query parameter that parsed but cannot be honoured (422, code ``bad_request``)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=422, detail=message)


def parse_moment(name: str, text: str | None) -> datetime | None:
    """``text`` as an aware UTC datetime, or None; a bad value raises ``BadParameter``."""
    if text is None or text == "":
        return None
    try:
        return parse_time(text)
    except (ValueError, OverflowError):
        # OverflowError: a valid ISO text whose UTC form falls outside year 1..9999.
        raise BadParameter(f"{name}: not a time: {text[:60]!r} (expected {TIME_FORMAT})") from None


def time_axis(
    as_of: Annotated[
        str | None,
        Query(description=f"The world at this time, by all that is known now ({TIME_FORMAT})."),
    ] = None,
    known_at: Annotated[
        str | None,
        Query(description=f"What the service knew at this time ({TIME_FORMAT})."),
    ] = None,
    position: Annotated[
        int | None,
        Query(ge=0, le=2**62, description="What the service knew after this log position."),
    ] = None,
) -> At:
    """The point on both time axes a read asks for (FastAPI dependency)."""
    as_of_time = parse_moment("as_of", as_of)
    known_at_time = parse_moment("known_at", known_at)
    if known_at_time is not None and position is not None:
        raise BadParameter("give known_at or position, not both (both cut the log)")
    return At(as_of=as_of_time, known_at=known_at_time, position=position)


def limit_query(default: int = DEFAULT_LIMIT) -> Any:
    """The ``limit`` query parameter of list endpoints."""
    return Query(default, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")


def page(
    items: Sequence[T], key: Callable[[T], str], after: str | None, limit: int
) -> dict[str, Any]:
    """DESIGN §6 ``list``: the items after cursor ``after`` (by ``key``, ascending), and the
    cursor of the next page (the last key shown) or None at the end."""
    start = 0
    if after is not None:
        # Items are sorted by key, so the first key greater than the cursor starts the page;
        # a cursor that no longer exists (a renamed slug) still lands in the right place.
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    chosen = list(items[start : start + limit])
    more = start + limit < len(items)
    return {"items": chosen, "next": key(chosen[-1]) if more and chosen else None}
