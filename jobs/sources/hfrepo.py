"""Derived Hugging Face fetches: the model API entry of a repository, and its model card.

These are not configured sources: ``jobs.schedule.derived`` builds one ``SourceConfig`` per
repository (with ``repo`` and the ``models`` it is about) from what the log knows, and the
ordinary poll pipeline fetches and parses them.

- ``hf-repo`` (``{[hf] base_url}/api/models/<repo>``): does the repository exist, is it
  public, and does it hold weight files? Its ``createdAt`` dates the weights.
- ``model-card`` (``{[hf] base_url}/<repo>/raw/main/README.md``): the lab's own description of
  the model, as plain text for extraction (YAML front matter and HTML dropped, size bounded).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from jobs.observation import Observation, ParseResult, content_hash, stable_item_id
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.errors import ParseError
from jobs.sources.text import html_to_text
from service.clock import format_time, parse_time

#: File names that hold model weights (a repository with only a README is a placeholder).
WEIGHT_FILES = re.compile(
    r"\.(?:safetensors|bin|gguf|pt|pth|ckpt|onnx|msgpack|h5|pdparams|npz|nemo|mlmodel)$"
    r"|(?:^|/)(?:consolidated|pytorch_model|model)[\w.-]*\.(?:safetensors|bin|pth)$",
    re.IGNORECASE,
)
#: Longest model-card text handed to extraction (the fetch itself is capped in bytes).
MAX_CARD_CHARS = 200_000
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(?:\n|\Z)", re.DOTALL)


def parse_api(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """One ``hf-repo`` observation of the model API entry of ``source.repo``."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"not a Hugging Face model API entry: invalid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ParseError("not a Hugging Face model API entry: expected a JSON object")
    repo = _text(document.get("id") or document.get("modelId")) or source.repo or ""
    siblings = document.get("siblings")
    listed = isinstance(siblings, list)
    files = [
        name
        for item in (siblings if isinstance(siblings, list) else [])
        if isinstance(item, dict) and isinstance(name := item.get("rfilename"), str)
    ]
    created = _time(document.get("createdAt"))
    fields: dict[str, Any] = {
        "repo": repo,
        "models": list(source.models),
        "created_at": format_time(created) if created else None,
        "private": document.get("private") is True,
        "disabled": document.get("disabled") is True,
        "gated": _text(document.get("gated")) or (document.get("gated") is True or None),
        # Unknown (None) when the entry lists no files: existence is all it shows.
        "weight_files": sum(bool(WEIGHT_FILES.search(name)) for name in files) if listed else None,
    }
    observation = Observation(
        item_id=stable_item_id(f"hf-repo:{repo}"),
        sha256=content_hash("hf-repo", fields),
        kind="hf-repo",
        url=f"https://huggingface.co/{repo}",
        title=f"Hugging Face model API: {repo}",
        published=created,
        fields=fields,
    )
    return ParseResult([observation])


def parse_card(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """One ``model-card`` observation: the README of ``source.repo`` as plain text."""
    repo = source.repo or ""
    markdown = body.decode("utf-8", errors="replace")
    if not markdown.strip():
        raise ParseError(f"the model card of {repo} is empty")
    text = html_to_text(_FRONT_MATTER.sub("", markdown, count=1))[:MAX_CARD_CHARS]
    observation = Observation(
        item_id=stable_item_id(f"hf-card:{repo}"),
        sha256=content_hash("model-card", repo, list(source.models), text),
        kind="model-card",
        url=f"https://huggingface.co/{repo}",
        title=f"Model card of {repo}",
        text=text,
        fields={"repo": repo, "models": list(source.models)},
    )
    return ParseResult([observation])


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
