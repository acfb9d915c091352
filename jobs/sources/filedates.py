"""The date an archived snapshot's file name states (docs/design.md §5), or None.

Archives of a board are often plain copies of one file (LMArena's ``leaderboard-text.json`` at
each commit) with the date in the name, because the document itself states none; a copy's
modification time is the day it was copied, not the board's. Accepted, in the file name (else
in its folder's name):

- ISO 8601 extended dates and date-times: ``board-2025-03-07.json``,
  ``board-2025-03-07T23:56:35Z.json``, ``board-2025-03-07T235635Z.json``,
  ``board-2025-03-07T23-56-35.json`` (file systems that forbid ``:``);
- the basic (compact) forms: ``leaderboard-text-20250307.json``, ``…-20250307T235635Z.json``.

A date alone is midnight UTC; a time without an offset is UTC. Digits that are not a valid
date (a month 13, a year before 1990 or after 2100) are no date; a name with two different
dates is ambiguous and gives None, so the caller falls back (and says so).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import PurePath

_OFFSET = r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?"
_EXTENDED = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T_ ](?P<H>\d{2})[:-]?(?P<M>\d{2})(?:[:-]?(?P<S>\d{2})(?:[.,]\d+)?)?" + _OFFSET + ")?"
    r"(?!\d)"
)
_BASIC = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2})(?P<M>\d{2})(?:(?P<S>\d{2})(?:[.,]\d+)?)?" + _OFFSET + ")?"
    r"(?!\d)"
)
_YEARS = range(1990, 2101)


def date_in_name(path: PurePath | str) -> datetime | None:
    """The moment the file's name (else its folder's) states, or None."""
    path = PurePath(path)
    for name in (path.name, path.parent.name):
        found = _moments(name)
        if len(found) == 1:
            return found.pop()
        if found:
            return None  # two different dates: ambiguous
    return None


def _moments(name: str) -> set[datetime]:
    found: set[datetime] = set()
    taken: list[tuple[int, int]] = []
    for pattern in (_EXTENDED, _BASIC):
        for match in pattern.finditer(name):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            moment = _moment(match)
            if moment is not None:
                found.add(moment)
                taken.append(match.span())
    return found


def _moment(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    year, month, day = int(parts["y"]), int(parts["m"]), int(parts["d"])
    hour, minute, second = (int(parts[key] or 0) for key in ("H", "M", "S"))
    if year not in _YEARS:
        return None
    try:
        zone = _zone(parts["zone"])
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:  # no such day, hour or offset
        return None
    return moment.astimezone(UTC)


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(offset if text[0] == "+" else -offset)
