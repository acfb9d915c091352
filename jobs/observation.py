"""What a source adapter hands on: observations of items, with stable ids and content hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

MAX_ITEM_ID = 512


@dataclass(frozen=True, slots=True)
class Observation:
    """One item seen in one response of one source.

    ``item_id`` is stable across polls (guid, link, repo id, snapshot date …); ``sha256`` changes
    exactly when the item's content does. ``published``/``updated`` are None unless the document
    states them completely (never a date a parser completed from today). ``text`` is plain text
    for extraction; ``fields`` holds kind-specific structured values (JSON-serializable).
    """

    item_id: str
    sha256: str
    kind: str
    url: str | None = None
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What an adapter made of one response body."""

    observations: list[Observation]
    #: Why the document was malformed but still (partly) read, e.g. feedparser's bozo reason.
    bozo_reason: str | None = None
    #: A polling interval the document asks for (RSS ``<ttl>``), in seconds.
    ttl_seconds: int | None = None


def content_hash(*parts: Any) -> str:
    """SHA-256 hex of the canonical JSON of ``parts``."""
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def stable_item_id(candidate: str) -> str:
    """``candidate`` if it fits the item index, else a hash of it."""
    if len(candidate) <= MAX_ITEM_ID:
        return candidate
    return "sha256:" + hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest()
