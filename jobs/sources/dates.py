"""Dates a feed states completely, or None.

feedparser is lenient: it completes a partial ISO date (a bare year, a year and month, ``-0312``)
from the current UTC date or the 1st, rolls out-of-range fields over, and its Hungarian and Korean
parsers fill the month from today's. Observations carry only what the document says, so a parsed
date is kept only when its raw text names a year, a month and a day, the parsed value agrees
with them (give or take a day of time-zone shift), and it does not lie in the future.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta

from feedparser.datetimes.greek import _greek_months
from feedparser.datetimes.hungarian import _hungarian_months

_ENGLISH = {
    name.lower(): index
    for index in range(1, 13)
    for name in (calendar.month_name[index], calendar.month_abbr[index])
}
_MONTHS: dict[str, int] = {
    **_ENGLISH,
    "sept": 9,
    **{word.lower(): _ENGLISH[abbr.lower()] for word, abbr in _greek_months.items()},
    **{word.lower(): int(number) for word, number in _hungarian_months.items()},
}
# Times of day and UTC offsets carry numbers that are not date fields.
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?")
_OFFSET = re.compile(r"[+-]\d{2}:\d{2}\b|(?<=\s)[+-]\d{4}\b")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")
#: How far past the fetch time a date may lie (clock skew, time zones) before it is rejected.
FUTURE_SLACK = timedelta(days=1)
_SHIFTS = (timedelta(0), timedelta(days=-1), timedelta(days=1))


def complete_date(
    raw: str | None, parsed: time.struct_time | None, fetched_at: datetime
) -> datetime | None:
    """feedparser's ``parsed`` value of ``raw`` as an aware UTC datetime, if ``raw`` states it.

    None when feedparser parsed nothing, the text lacks a year, month or day, the parsed value
    disagrees with the text, is out of range, or lies more than ``FUTURE_SLACK`` after
    ``fetched_at``.
    """
    if not raw or parsed is None:
        return None
    try:
        moment = datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None
    if moment > fetched_at + FUTURE_SLACK or not states_date(raw, moment):
        return None
    return moment


def states_date(raw: str, moment: datetime) -> bool:
    """Whether ``raw`` names the year, month and day of ``moment`` (or of a day either side)."""
    text = _OFFSET.sub(" ", _TIME.sub(" ", raw))
    numbers = _NUMBER.findall(text)
    months = {_MONTHS[word] for word in map(str.lower, _WORD.findall(text)) if word in _MONTHS}
    if not _enough_fields(numbers, bool(months)):
        return False
    values = {int(number) for number in numbers}
    ordinals: set[int] = set()
    for number in numbers:
        if len(number) in (6, 8):  # YYMMDD, YYYYMMDD
            values.update(int(number[i : i + 2]) for i in range(0, len(number), 2))
            values.add(int(number[:-4]))
        elif len(number) in (5, 7):  # YYDDD, YYYYDDD
            values.add(int(number[:-3]))
            ordinals.add(int(number[-3:]))
        elif len(number) == 3:  # YYYY-DDD
            ordinals.add(int(number))
    for shift in _SHIFTS:
        day = moment + shift
        has_year = day.year in values or (day.year % 100 in values and day.year >= 1950)
        has_day = (day.month in values | months and day.day in values) or (
            day.timetuple().tm_yday in ordinals
        )
        if has_year and has_day:
            return True
    return False


def _enough_fields(numbers: list[str], named_month: bool) -> bool:
    """Three numbers, two and a month name, YYYY-DDD, or a compact ISO date (YYYYMMDD anywhere;
    YYMMDD, YYDDD or YYYYDDD standing alone)."""
    if len(numbers) >= 3 or any(len(number) == 8 for number in numbers):
        return True
    if len(numbers) == 2:
        return named_month or sorted(map(len, numbers)) == [3, 4]
    return len(numbers) == 1 and 5 <= len(numbers[0]) <= 7
