"""The three-city view's numbers: crown-days and releases per month per city.

Pure functions over the docs/design.md §6 shapes (crown reigns, models), so the dashboard and
its tests see the same figures the API serves. The cities the race is told through are fixed; every
other city counts as "Other".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from service.clock import parse_time

CITIES = ("Beijing", "Shanghai", "Hangzhou", "Shenzhen")
OTHER = "Other"
BUCKETS = (*CITIES, OTHER)

Month = str  # "2025-07"
Monthly = dict[Month, dict[str, float]]


def bucket(city: str | None) -> str:
    """The city's bucket: one of ``CITIES`` (any case), else ``OTHER``."""
    for known in CITIES:
        if city is not None and city.strip().lower() == known.lower():
            return known
    return OTHER


def month_of(moment: datetime) -> Month:
    return f"{moment.year:04d}-{moment.month:02d}"


#: Where the calendar ends: the "next month" of December 9999 (datetime has no year 10000).
END_OF_TIME = datetime.max.replace(tzinfo=UTC)


def _next_month(moment: datetime) -> datetime:
    """The first instant of the month after ``moment``'s, or ``END_OF_TIME`` after 9999-12."""
    if moment.year == END_OF_TIME.year and moment.month == 12:
        return END_OF_TIME
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def months_between(start: datetime, end: datetime, most: int = 24) -> list[Month]:
    """The months from ``start``'s to ``end``'s (the last ``most`` of them), counted as
    numbers so no date past the calendar's end is ever made (and ``most`` bounds the work)."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(max(first, last - most + 1), last + 1)]


def crown_days_by_month(reigns: Iterable[dict[str, Any]], now: datetime) -> Monthly:
    """Days each city's models held the crown, split at month boundaries, up to ``now``."""
    out: Monthly = {}
    for reign in reigns:
        start = parse_time(reign["from"])
        end = min(parse_time(reign["to"]) if reign["to"] else now, now)
        city = bucket(reign["city"])
        while start < end:
            stop = min(_next_month(start), end)
            days = (stop - start).total_seconds() / 86400
            month = out.setdefault(month_of(start), {})
            month[city] = month.get(city, 0.0) + days
            start = stop
    return out


def releases_by_month(models: Iterable[dict[str, Any]], now: datetime) -> Monthly:
    """How many models each city's labs released per month, up to ``now``."""
    out: Monthly = {}
    for model in models:
        if not model.get("released_at"):
            continue
        released = parse_time(model["released_at"])
        if released > now:
            continue
        month = out.setdefault(month_of(released), {})
        city = bucket(model.get("city"))
        month[city] = month.get(city, 0.0) + 1
    return out


def span(*series: Monthly, now: datetime, most: int = 24) -> list[Month]:
    """The months to draw: from the first with data to ``now``'s (at most ``most``)."""
    months = sorted({month for monthly in series for month in monthly})
    if not months:
        return []
    first = datetime.strptime(months[0], "%Y-%m").replace(tzinfo=UTC)
    return months_between(first, max(now, first), most)
