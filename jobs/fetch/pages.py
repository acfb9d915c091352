"""A poll's pages: the first response and the ``Link: rel=next`` pages of paginated kinds.

Every next-page link goes through the fetcher's URL policy (``jobs.fetch.urlpolicy``: resolved
against the page that named it, http(s) only, no private hosts); the poll's deadline and its
page and byte limits bound the walk, and a walk cut short says so in the bozo reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urljoin

from jobs.fetch.types import FetchResult
from jobs.observation import ParseResult
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.hf_models import next_page

PAGINATED = frozenset({"hf-models"})


@dataclass(frozen=True, slots=True)
class PollLimits:
    """Bounds of one poll over all its pages (each fetch has its own, ``FetchSettings``)."""

    max_pages: int = 20
    max_bytes: int = 64 * 2**20
    deadline: float = 180.0  # seconds from the poll's start


class Fetch(Protocol):
    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline: float | None = None,
    ) -> FetchResult: ...

    def fetch_link(
        self, base: str, link: str, what: str, deadline: float | None = None
    ) -> FetchResult: ...


class Parse(Protocol):
    def run(
        self,
        kind: str,
        body: bytes,
        headers: dict[str, str],
        source: SourceConfig,
        fetched_at: datetime,
    ) -> ParseResult: ...


def walk_pages(
    fetcher: Fetch,
    parser: Parse,
    source: SourceConfig,
    first: FetchResult,
    now: datetime,
    deadline: float,
    limits: PollLimits,
) -> ParseResult:
    """Parse ``first`` and every page it links to, within ``limits`` and by ``deadline``
    (a ``time.monotonic()`` instant); a refused link raises ``FetchError``."""
    assert first.body is not None
    parsed = [parser.run(source.kind, first.body, first.headers, source, now)]
    page, total, seen = first, len(first.body), {first.effective_url}
    link = next_page(first.headers) if source.kind in PAGINATED else None
    stopped = None
    while link:
        if len(parsed) >= limits.max_pages:
            stopped = f"stopped after {limits.max_pages} pages"
            break
        if urljoin(page.effective_url, link.strip()) in seen:
            break  # a link back to a page already read: the walk has come round
        page = fetcher.fetch_link(page.effective_url, link, "a next-page link", deadline)
        if page.body is None or page.effective_url in seen:
            break  # a 304, or redirected to a page already read
        seen.add(page.effective_url)
        total += len(page.body)
        if total > limits.max_bytes:
            stopped = f"stopped at {limits.max_bytes} bytes of pages"
            break
        parsed.append(parser.run(source.kind, page.body, page.headers, source, now))
        link = next_page(page.headers)
    if len(parsed) == 1 and stopped is None:
        return parsed[0]
    reasons = [p.bozo_reason for p in parsed if p.bozo_reason] + ([stopped] if stopped else [])
    return ParseResult(
        observations=[o for p in parsed for o in p.observations],
        bozo_reason="; ".join(reasons) or None,
        ttl_seconds=parsed[0].ttl_seconds,
    )
