"""Board model metadata (``kind = "models"``): one ``board-model`` observation per board key.

docs/design.md §5: a JSON list (or a ``rows`` path to one, or a ``{key: {…}}`` mapping) or a CSV
of records, with ``[source.columns]`` mapping crownlog's ``model`` (the board's key), ``name``,
``organization``, ``license`` and ``link`` to the file's names. LMArena publishes one beside
its leaderboard (``data/scatterplot-data.json`` in ``lmarena/arena-catalog``: ``model_api_name``,
``name``, ``organization``, ``license``, ``model_source``).

Each record is its own item, so a corrected licence or organization is a revision of that
record alone. A record without a key is skipped (and counted in the bozo reason); a key listed
twice keeps its first record.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from jobs.fetch.xmlsafe import clean_text
from jobs.observation import Observation, ParseResult, content_hash, stable_item_id
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.errors import ParseError
from jobs.sources.leaderboard_rows import Columns

FIELDS = ("name", "organization", "license", "link")


def parse(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """Observations of the board keys ``body`` describes."""
    board = source.leaderboard or source.id
    columns = Columns(source.columns)
    records = _records(body, source, columns)
    observations: list[Observation] = []
    seen: set[str] = set()
    skipped = repeated = 0
    for record in records:
        key = _text(columns.get(record, "model"))
        if key is None:
            skipped += 1
            continue
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        observations.append(_observation(board, key, record, columns, source))
    if not observations:
        raise ParseError(
            f"model metadata for {board}: none of {len(records)} records names a model key"
            f" in column {columns.name('model')!r} — check [source.columns] in sources.toml"
        )
    reasons = []
    if skipped:
        reasons.append(f"skipped {skipped} of {len(records)} records without a model key")
    if repeated:
        reasons.append(f"kept the first of {repeated} repeated keys")
    return ParseResult(observations, "; ".join(reasons) or None)


def _observation(
    board: str, key: str, record: dict[str, Any], columns: Columns, source: SourceConfig
) -> Observation:
    values = {name: _text(columns.get(record, name)) for name in FIELDS}
    return Observation(
        item_id=stable_item_id(f"{board}:{key}"),
        sha256=content_hash(board, key, *(values[name] for name in FIELDS)),
        kind="board-model",
        url=source.url if urlsplit(source.url).scheme in ("http", "https") else None,
        title=f"{board} model metadata: {key}",
        fields={"leaderboard": board, "model": key, **values},
    )


def _records(body: bytes, source: SourceConfig, columns: Columns) -> list[dict[str, Any]]:
    text = body.removeprefix(b"\xef\xbb\xbf").strip()
    if not text:
        raise ParseError("empty response body: the source sent no model metadata")
    if (source.format or ("json" if text[:1] in (b"[", b"{") else "csv")).lower() == "csv":
        decoded = clean_text(text.decode("utf-8", errors="replace"))
        try:
            return list(csv.DictReader(io.StringIO(decoded, newline="")))
        except csv.Error as exc:
            raise ParseError(f"model metadata is not valid CSV: {exc}") from None
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"model metadata is not valid JSON: {exc}") from None
    for part in filter(None, (source.rows or "").split(".")):
        document = document.get(part) if isinstance(document, dict) else None
    if (
        isinstance(document, dict)
        and document
        and all(isinstance(v, dict) for v in document.values())
    ):
        document = [{columns.name("model"): key, **value} for key, value in document.items()]
    if not isinstance(document, list):
        raise ParseError(
            f"model metadata has no list of records at {source.rows or 'the top level'!r}"
            ' — set `rows = "path.to.list"` in sources.toml'
        )
    return [record for record in document if isinstance(record, dict)]


def _is_record(value: Any) -> bool:
    return isinstance(value, dict)


def _text(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = clean_text(value).strip()
    return text or None
