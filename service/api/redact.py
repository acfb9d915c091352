"""What anonymous clients may read of a source's state: no local paths.

The poll state keeps the operator's full error text (``crownlog sources`` prints it); the API
shows the same text with every ``file:`` URL and absolute filesystem path replaced, so no answer
tells a client where files live or whether one exists.
"""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "(local path)"
_FILE_URL = re.compile(r"file:[^\s'\"<>()\[\],;]*", re.IGNORECASE)
# An absolute POSIX path not preceded by a URL's host, scheme or another path character (so
# "http://host/a/b" keeps its path), or a Windows drive path.
_PATH = re.compile(
    r"(?<![\w.:/~%@-])/(?!/)[^\s/'\"<>()\[\],;:]+(?:/[^\s/'\"<>()\[\],;:]*)*"
    r"|\b[A-Za-z]:\\[^\s'\"<>()\[\],;]*"
)
_TEXT_FIELDS = ("last_error", "bozo_reason", "error")
_URL_FIELDS = ("url", "effective_url")


def public_text(text: str | None) -> str | None:
    """``text`` with file URLs and absolute paths replaced by ``(local path)``."""
    if not text:
        return text
    return _PATH.sub(HIDDEN, _FILE_URL.sub("file:" + HIDDEN, text))


def public_url(url: str | None) -> str | None:
    """A web URL as it is; a ``file:`` URL (or anything else) without its path."""
    if not url or url.lower().startswith(("http://", "https://")):
        return url
    return public_text(url) if url.lower().startswith("file:") else HIDDEN


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A source row or a poll outcome, safe to show anyone."""
    shown = dict(row)
    for name in _TEXT_FIELDS:
        if isinstance(shown.get(name), str):
            shown[name] = public_text(shown[name])
    for name in _URL_FIELDS:
        if isinstance(shown.get(name), str):
            shown[name] = public_url(shown[name])
    return shown
