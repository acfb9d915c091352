"""GitHub ``releases.atom``, ``tags.atom`` and ``commits/<branch>.atom`` feeds.

Entry ids look like ``tag:github.com,2008:Repository/184456251/v0.95.1`` (releases and tags) or
``tag:github.com,2008:Grit::Commit/<sha>`` (commits). GitHub gives only ``updated``, which edits
bump, so it is "last seen change" (``Observation.updated``), never a publication date.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from jobs.fetch.xmlsafe import clean_text
from jobs.observation import Observation, ParseResult, content_hash, stable_item_id
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.errors import ParseError
from jobs.sources.feed import (
    bozo_reason,
    entry_date,
    entry_link,
    entry_text,
    entry_title,
    read_feed,
)
from service.clock import format_time

_RELEASE_ID = re.compile(r"Repository/\d+/(.+)$")
_COMMIT_ID = re.compile(r"Commit/([0-9a-fA-F]{7,64})$")
_RELEASE_LINK = re.compile(r"/releases/tag/(.+)$")
_COMMIT_LINK = re.compile(r"/commit/([0-9a-fA-F]{7,64})$")
_GITHUB_HOSTS = ("github.com", "www.github.com")


def parse(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """``release`` or ``commit`` observations of a GitHub Atom feed, newest first as served."""
    document = read_feed(body, headers)
    feed_link = str(document.feed.get("link") or "")
    observations: list[Observation] = []
    skipped = 0
    for entry in document.entries:
        entry_id = clean_text(str(entry.get("id") or "")).strip()
        link = entry_link(entry, "https://github.com/")
        kind, ref = _kind_and_ref(entry_id, link)
        repo = _repo(link) or _repo(source.url) or _repo(feed_link)
        if not entry_id or kind is None or repo is None:
            skipped += 1
            continue
        title = entry_title(entry)
        notes = entry_text(entry)
        # A commit's content repeats its title line; a release's notes follow it.
        text = notes if notes.startswith(title) else "\n".join(p for p in (title, notes) if p)
        updated = entry_date(entry, "updated", fetched_at)
        fields: dict[str, Any] = {
            "repo": repo,
            "tag" if kind == "release" else "commit": ref,
            "updated": format_time(updated) if updated else None,
        }
        if entry.get("author"):
            fields["author"] = clean_text(str(entry.get("author"))).strip()
        observations.append(
            Observation(
                item_id=stable_item_id(entry_id),
                # Not ``updated``: a re-save that changes nothing is no revision.
                sha256=content_hash(kind, repo, ref, title, link, text),
                kind=kind,
                url=link,
                title=title or None,
                updated=updated,
                text=text,
                fields=fields,
            )
        )
    if document.entries and not observations:
        raise ParseError(
            "not a GitHub releases/tags/commits feed: no entry has a "
            "tag:github.com,2008:Repository/… or …Commit/<sha> id — check the source kind"
        )
    reasons = [bozo_reason(document)]
    if skipped:
        reasons.append(f"skipped {skipped} entries without a GitHub release or commit id")
    return ParseResult(observations, "; ".join(r for r in reasons if r) or None)


def _kind_and_ref(entry_id: str, link: str | None) -> tuple[str | None, str | None]:
    path = urlsplit(link).path if link else ""
    if match := _COMMIT_ID.search(entry_id) or _COMMIT_LINK.search(path):
        return "commit", match.group(1).lower()
    if match := _RELEASE_ID.search(entry_id) or _RELEASE_LINK.search(path):
        return "release", unquote(match.group(1))
    return None, None


def _repo(url: str | None) -> str | None:
    """``owner/name`` of a github.com URL (feed, release, commit or the source URL)."""
    if not url:
        return None
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname not in _GITHUB_HOSTS or len(segments) < 2:
        return None
    name = segments[1].removesuffix(".atom")
    return f"{segments[0]}/{name}" if name not in ("releases", "tags", "commits") else None
