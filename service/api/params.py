"""Query parameters shared by the read endpoints: the two time axes and cursor pages.

Times are parsed here, not by pydantic, so a bad value gets a 422 whose message names the
parameter and the accepted format (``service.clock.parse_time``'s own wording).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Query

from service.api.errors import ApiError
from service.clock import parse_time

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
TIME_FORMAT = "ISO 8601, e.g. 2025-07-11 or 2025-07-11T08:00:00Z"

T = TypeVar("T")


class BadParameter(ApiError):
    """A parameter that cannot be honoured (422, code ``bad_request``)."""

    def __init__(self, message: str) -> None:
        super().__init__(422, "bad_request", message)


def parse_moment(name: str, text: str | None) -> datetime | None:
    """``text`` as an aware UTC datetime, or None; a bad value raises ``BadParameter``."""
    if text is None or text == "":
        return None
    try:
        return parse_time(text)
    except (ValueError, OverflowError):
        # OverflowError: a valid ISO text whose UTC form falls outside year 1..9999.
        raise BadParameter(f"{name}: not a time: {text[:60]!r} (expected {TIME_FORMAT})") from None


def limit_query(default: int = DEFAULT_LIMIT) -> Any:
    """The ``limit`` query parameter of list endpoints."""
    return Query(default, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")


def page(
    items: Sequence[T], key: Callable[[T], str], after: str | None, limit: int | None
) -> dict[str, Any]:
    """docs/design.md §6 ``list``: the items after cursor ``after`` (by ``key``, ascending), and the
    cursor of the next page (the last key shown) or None at the end; ``limit`` None: all."""
    start = 0
    if after is not None:
        # Items are sorted by key, so the first key greater than the cursor starts the page;
        # a cursor that no longer exists (a renamed slug) still lands in the right place.
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    stop = len(items) if limit is None else start + limit
    chosen = list(items[start:stop])
    more = stop < len(items)
    return {"items": chosen, "next": key(chosen[-1]) if more and chosen else None}
