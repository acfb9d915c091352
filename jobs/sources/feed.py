"""RSS 0.9x/1.0/2.0 and Atom feeds: one ``entry`` observation per item.

feedparser only ever sees neutralized bytes (``jobs.fetch.xmlsafe``), never a URL or path, so it
cannot fetch, open or expand anything. Its HTML sanitizer and URI resolver are off: crownlog keeps
plain text only, and both are the slowest part of a parse.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from jobs.fetch.xmlsafe import clean_text, decoding_for, neutralize
from jobs.observation import Observation, ParseResult, content_hash, stable_item_id
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.dates import complete_date
from jobs.sources.errors import ParseError
from jobs.sources.text import html_to_text, plain_text

_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.{0,400}?)</title", re.IGNORECASE | re.DOTALL)
_TTL = re.compile(r"\s*(\d{1,7})\s*")
_REASON_LIMIT = 300


def parse(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """Observations of the entries of an RSS or Atom document (see the module docstring)."""
    document = read_feed(body, headers)
    base = {k.lower(): v for k, v in headers.items()}.get("content-location") or source.url
    observations: list[Observation] = []
    seen: set[str] = set()
    for entry in document.entries:
        title = entry_title(entry)
        text = entry_text(entry)
        link = entry_link(entry, base)
        raw_id = clean_text(str(entry.get("id") or "")).strip()
        candidate = raw_id or link or ""
        if not candidate or candidate in seen:
            # No identity, or a guid the document repeats: identify the item by its content.
            raw_date = _raw(entry, "published") or _raw(entry, "updated") or ""
            candidate = "sha256:" + content_hash(title, raw_date, text)
        seen.add(candidate)
        published = entry_date(entry, "published", fetched_at)
        updated = entry_date(entry, "updated", fetched_at)
        fields: dict[str, Any] = {}
        if entry.get("author"):
            fields["author"] = plain_text(str(entry.get("author")))
        categories = [plain_text(str(tag.get("term") or "")) for tag in entry.get("tags", [])]
        if any(categories):
            fields["categories"] = [category for category in categories if category]
        observations.append(
            Observation(
                item_id=stable_item_id(candidate),
                sha256=content_hash(title, link, published, updated, text),
                kind="entry",
                url=link,
                title=title or None,
                published=published,
                updated=updated,
                text=text,
                fields=fields,
            )
        )
    return ParseResult(observations, bozo_reason(document), _ttl_seconds(document.feed))


def read_feed(body: bytes, headers: dict[str, str]) -> Any:
    """feedparser's result for ``body``, neutralized first; ``ParseError`` if it is not a feed."""
    if not body.strip():
        raise ParseError("empty response body: the source sent no document — check the source url")
    lowered = {name.lower(): value for name, value in headers.items()}
    charset_match = _CHARSET.search(lowered.get("content-type", ""))
    charset = charset_match.group(1) if charset_match else None
    safe = neutralize(body, charset)
    if decoding_for(body, charset):
        # neutralize() re-encoded the body as UTF-8; the header must not say otherwise.
        lowered["content-type"] = _CHARSET.sub("", lowered.get("content-type", "")) or "text/xml"
        lowered["content-type"] += "; charset=utf-8"
    try:
        document = feedparser.parse(
            io.BytesIO(safe),
            response_headers=lowered,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except MemoryError:
        raise
    except Exception as exc:  # feedparser's loose parser has raised on odd markup
        raise ParseError(f"feedparser failed on this document: {_describe(exc)}") from exc
    if not document.get("version"):
        if _HTML.search(safe[:4096]):
            raise ParseError(
                f"not a feed: got an HTML page{_page_title(safe)} — check the source url "
                "(a moved feed, a login or a bot-check page?)"
            )
        raise ParseError(
            f"not a feed: no RSS or Atom document found ({bozo_reason(document) or 'no root'})"
            " — check the source url and kind"
        )
    channel = document.get("feed") or {}
    if (
        document.get("bozo")
        and not document.entries
        and not (channel.get("title") or channel.get("link"))
    ):
        # Fatal: malformed, and nothing at all could be read. A malformed feed whose channel
        # reads fine but has no items (e.g. an HTML entity in its title) is just empty.
        raise ParseError(f"not a feed: {bozo_reason(document)}, and nothing could be read from it")
    return document


def bozo_reason(document: Any) -> str | None:
    """Why feedparser found the document malformed, in one clean line, or None."""
    if not document.get("bozo"):
        return None
    return _describe(document.get("bozo_exception"))


def entry_title(entry: Any) -> str:
    """The entry's title as plain text ("" when it has none)."""
    detail = entry.get("title_detail") or {}
    return _as_text(str(entry.get("title") or ""), str(detail.get("type") or ""))


def entry_text(entry: Any) -> str:
    """Plain text of the entry's content, else of its summary."""
    parts = [
        _as_text(str(c.get("value") or ""), str(c.get("type") or ""))
        for c in entry.get("content", [])
    ]
    if any(parts):
        return "\n".join(part for part in parts if part)
    detail = entry.get("summary_detail") or {}
    return _as_text(str(entry.get("summary") or ""), str(detail.get("type") or "text/html"))


def entry_date(entry: Any, name: str, fetched_at: datetime) -> datetime | None:
    """The entry's ``published`` or ``updated`` time, if the document states it completely."""
    return complete_date(_raw(entry, name), _raw(entry, f"{name}_parsed"), fetched_at)


def entry_link(entry: Any, base: str) -> str | None:
    """The entry's absolute http(s) link, or None (a guid copied into ``link`` is no link)."""
    link = clean_text(str(entry.get("link") or "")).strip()
    if not link:
        return None
    if entry.get("guidislink") and link == entry.get("id") and not _is_web(link):
        return None
    if not _is_web(link):
        link = urljoin(base, link) if _is_web(base) else ""
    if not _is_web(link):
        return None
    scheme = urlsplit(link).scheme
    return scheme.lower() + link[len(scheme) :]  # "HTTP://x" is "http://x"


def _raw(entry: Any, key: str) -> Any:
    # FeedParserDict.get("updated") falls back to "published" (feedparser issue 310); an
    # observation must not claim an update the document never stated.
    return dict.get(entry, key)


def _as_text(value: str, content_type: str) -> str:
    return html_to_text(value) if "html" in content_type else plain_text(value)


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _ttl_seconds(channel: Any) -> int | None:
    match = _TTL.fullmatch(str(channel.get("ttl") or ""))
    return int(match.group(1)) * 60 if match and int(match.group(1)) > 0 else None


def _page_title(body: bytes) -> str:
    match = _HTML_TITLE.search(body[:65536])
    title = html_to_text(match.group(1).decode("utf-8", "replace"))[:80] if match else ""
    return f" ({title!r})" if title else ""


def _describe(exc: object) -> str:
    if exc is None:
        return "malformed document"
    text = plain_text(f"{type(exc).__name__}: {exc}").replace("\n", " ")
    return text[:_REASON_LIMIT]
