"""Hugging Face Hub model listings (``/api/models?author=…``): one ``hf-model`` per repo.

The content hash covers identity fields only, so the daily churn of ``downloads`` and ``likes``
is no revision; they travel in ``fields`` for a later stage to threshold. The Hub pages with a
``Link: <…>; rel="next"`` header; the poll pipeline follows ``next_page``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from jobs.fetch.xmlsafe import clean_text
from jobs.observation import Observation, ParseResult, content_hash, stable_item_id
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.errors import ParseError
from service.clock import format_time, parse_time

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)
# "owner/name"; a few legacy canonical models ("gpt2") have no owner.
_REPO_ID = re.compile(r"^(?:[\w.-]{1,96}/)?[\w.-]{1,96}$")


def parse(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """Observations of the models in a Hub listing (a list, or one model object)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(
            f"not a Hugging Face model listing: invalid JSON ({exc}) — check the source url"
        ) from None
    items = [document] if isinstance(document, dict) and "id" in document else document
    if not isinstance(items, list):
        raise ParseError(
            "not a Hugging Face model listing: expected a JSON list of models "
            f"(got a JSON {type(document).__name__}) — check the source url and kind"
        )
    observations = [model for item in items if (model := _observation(item)) is not None]
    skipped = len(items) - len(observations)
    reason = f"skipped {skipped} of {len(items)} items without a repo id" if skipped else None
    return ParseResult(observations, reason)


def next_page(headers: dict[str, str]) -> str | None:
    """The URL of the next page from a ``Link: <url>; rel="next"`` header, or None."""
    value = next((v for k, v in headers.items() if k.lower() == "link"), "")
    for match in _LINK.finditer(value):
        for rel in _REL.finditer(match.group(2)):
            if "next" in (rel.group(1) or rel.group(2) or "").lower().split():
                return match.group(1).strip() or None
    return None


def _observation(item: Any) -> Observation | None:
    if not isinstance(item, dict):
        return None
    repo = _text(item.get("id") or item.get("modelId"))
    if not repo or not _REPO_ID.match(repo):
        return None
    tags = sorted({_text(tag) for tag in item.get("tags") or [] if isinstance(tag, str)} - {""})
    created = _time(item.get("createdAt"))
    modified = _time(item.get("lastModified"))
    card = item.get("cardData")
    card = card if isinstance(card, dict) else {}
    license_tag = next((tag.split(":", 1)[1] for tag in tags if tag.startswith("license:")), None)
    license_ = license_tag or _text(card.get("license")) or None
    pipeline = _text(item.get("pipeline_tag")) or None
    fields = {
        "repo": repo,
        "author": _text(item.get("author")) or (repo.split("/", 1)[0] if "/" in repo else None),
        "created_at": format_time(created) if created else None,
        "last_modified": format_time(modified) if modified else None,
        "downloads": _count(item.get("downloads")),
        "likes": _count(item.get("likes")),
        "license": license_,
        "pipeline_tag": pipeline,
        "library_name": _text(item.get("library_name")) or None,
        "tags": tags,
    }
    identity = (repo, fields["created_at"], fields["last_modified"], license_, pipeline, tags)
    return Observation(
        item_id=stable_item_id(repo),
        sha256=content_hash(*identity),
        kind="hf-model",
        url=f"https://huggingface.co/{repo}",
        title=repo,
        published=created,
        updated=modified,
        text=repo,
        fields=fields,
    )


def _text(value: Any) -> str:
    return clean_text(value).strip() if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
