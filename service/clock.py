"""Time: one canonical text form and a clock that can be passed in."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: The ends of the calendar, in UTC (``datetime`` cannot go past them).
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def shifted(moment: datetime, by: timedelta) -> datetime:
    """``moment + by``, held at the ends of the calendar instead of overflowing (a window a
    week before 0001-01-03 starts at 0001-01-01; a day after 9999-12-31 is still 9999-12-31)."""
    try:
        return moment + by
    except OverflowError:
        return EARLIEST if by < timedelta(0) else LATEST


def format_time(moment: datetime) -> str:
    """The canonical ISO 8601 text of a moment: UTC, microseconds, explicit offset.

    Fixed width, so the text sorts in time order and hashes the same on every database.
    Snapshots and views format the same few thousand moments again and again (every row of a
    board snapshot shares one), so the texts are remembered, up to ``_TEXTS_KEPT`` of them.
    """
    text = _texts.get(moment)
    if text is not None:
        return text
    utc = moment if moment.tzinfo is UTC else to_utc(moment)
    # ``isoformat()`` without ``timespec`` is a fifth cheaper; it only drops a zero fraction.
    text = utc.isoformat() if utc.microsecond else utc.isoformat()[:19] + ".000000+00:00"
    if len(_texts) >= _TEXTS_KEPT:
        _texts.clear()  # cheaper than an LRU's bookkeeping on every call, and as good here
    _texts[moment] = text  # equal moments (any offset) have one UTC text: a safe key
    return text


_TEXTS_KEPT = 65_536
_texts: dict[datetime, str] = {}


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 text (a date alone means midnight UTC) into an aware UTC datetime.

    Loading a snapshot parses the same few thousand texts again and again (every row of a
    board snapshot shares one), so the moments are remembered, up to ``_TEXTS_KEPT``."""
    moment = _moments.get(text)
    if moment is not None:
        return moment
    moment = _parse(text)
    if len(_moments) >= _TEXTS_KEPT:
        _moments.clear()
    _moments[text] = moment
    return moment


_moments: dict[str, datetime] = {}


def _parse(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"not an ISO 8601 time: {text!r} (expected e.g. 2025-07-11 or 2025-07-11T08:00:00Z)"
        ) from None
    try:
        return to_utc(moment)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise ValueError(f"{text!r} falls outside the calendar (years 1 to 9999) in UTC") from None
