"""How crownlog reads HTTP responses: status advice, redirects, Retry-After, Cache-Control."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})", re.IGNORECASE)
_ADVICE = {
    401: "the source needs credentials crownlog does not have",
    403: "the server refuses crownlog — check the url, or whether it blocks crawlers",
    404: "check the source url",
    410: "the feed is gone — disable the source or find its new url",
}


def retryable(status: int) -> bool:
    """429 and 5xx are worth another attempt; other 4xx are not."""
    return status == 429 or status >= 500


def advice(status: int) -> str:
    """What an operator should do about a non-retryable HTTP status."""
    return _ADVICE.get(status, "check the source url")


def retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP-date), capped."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) < 12:  # never "²" (isdigit, no int)
        seconds = float(value)
    else:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(max(seconds, 0.0), cap)


def max_age(cache_control: str | None) -> int | None:
    """``max-age`` of a ``Cache-Control`` header, in seconds."""
    match = _MAX_AGE.search(cache_control or "")
    return int(match.group(1)) if match else None


def shown(url: str) -> str:
    """``url`` without credentials, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))
