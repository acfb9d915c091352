"""Leaderboard snapshots (JSON, CSV or parquet): one ``leaderboard`` observation per snapshot.

docs/design.md §5: ``{"as_of": T, "rows": [{"model", "score", …}]}`` or a CSV with a header;
``[source.columns]`` maps our names to the board's, ``rows`` is a dotted path to the list (or to a
``{model: {…}}`` mapping, as in LMArena's arena-catalog), and the scoring method comes from a
``method`` column, else the document, else the source config: data that states its method wins
over a config that cannot know when the board changed it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from jobs.fetch.xmlsafe import clean_text
from jobs.observation import Observation, ParseResult, content_hash
from jobs.schedule.sourcefile import SourceConfig
from jobs.sources.errors import ParseError
from jobs.sources.leaderboard_rows import Columns, read_row
from service.clock import format_time, parse_time, to_utc

FORMATS = ("json", "csv", "parquet")
_NON_FINITE = re.compile(rb"\b(?:NaN|-?Infinity)\b")
_MIN_PYARROW = (14, 0, 1)  # older versions unpickle "arrow.py_extension_type" (CVE-2023-47248)


def parse(
    body: bytes, headers: dict[str, str], source: SourceConfig, fetched_at: datetime
) -> ParseResult:
    """One snapshot observation of the board named by ``source.leaderboard``."""
    board = source.leaderboard or source.id
    columns = Columns(source.columns)
    document, records = _load(body, source, columns)
    rows = [row for record in records if (row := read_row(record, columns)) is not None]
    skipped = len(records) - len(rows)
    if not rows:
        raise ParseError(
            f"leaderboard {board}: none of {len(records)} rows has a model and a numeric score"
            " — check [source.columns] and `rows` in sources.toml"
        )
    method = (
        _column_value(records, columns, "method") or _text(document.get("method")) or source.method
    )
    as_of = _as_of(document, records, columns, source, headers) or fetched_at
    as_of_text = format_time(as_of)
    fields: dict[str, Any] = {
        "leaderboard": board, "method": method, "as_of": as_of_text, "rows": rows,
    }  # fmt: skip
    if not source.complete:
        fields["complete"] = False  # a top-N extract: the models it leaves out stay listed
    ordered = sorted(rows, key=lambda row: (row["model"], row["score"]))
    observation = Observation(
        item_id=f"{board}@{as_of_text}",
        sha256=content_hash(board, method, as_of_text, ordered),
        kind="leaderboard",
        url=source.url if urlsplit(source.url).scheme in ("http", "https") else None,
        title=f"{board} leaderboard as of {as_of_text}",
        published=to_utc(as_of),
        fields=fields,
    )
    reason = (
        f"skipped {skipped} of {len(records)} rows without a model or a numeric score"
        if skipped
        else None
    )
    return ParseResult([observation], reason)


def _load(
    body: bytes, source: SourceConfig, columns: Columns
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The document (for as_of / method keys) and its row records."""
    if not body.strip():
        raise ParseError("empty response body: the source sent no snapshot — check the source url")
    kind = (source.format or _guess_format(body)).lower()
    if kind == "csv":
        return {}, _csv_records(body)
    if kind == "parquet":
        return {}, _parquet_records(body)
    if kind != "json":
        raise ParseError(f"unknown leaderboard format {kind!r}: use one of {', '.join(FORMATS)}")
    document = _json(body.removeprefix(b"\xef\xbb\xbf"))
    found = _at_path(document, source.rows or ("rows" if isinstance(document, dict) else ""))
    if isinstance(found, dict) and found and all(isinstance(v, dict) for v in found.values()):
        # {model: {rating: …}}: the key is the model name.
        found = [{columns.name("model"): key, **value} for key, value in found.items()]
    if not isinstance(found, list):
        raise ParseError(
            f"leaderboard snapshot has no list of rows at {source.rows or 'rows'!r}"
            ' — set `rows = "path.to.list"` in sources.toml'
        )
    return (document if isinstance(document, dict) else {}), [
        r for r in found if isinstance(r, dict)
    ]


def _json(body: bytes) -> Any:
    """The JSON document; pandas' ``json.dump`` writes ``NaN`` for a missing interval bound,
    which strict parsers refuse, so such a file is read with those values as null."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if not _NON_FINITE.search(body):
            raise ParseError(f"leaderboard snapshot is not valid JSON: {exc}") from None
    try:
        return json.loads(body, parse_constant=lambda _name: None)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"leaderboard snapshot is not valid JSON: {exc}") from None


def _guess_format(body: bytes) -> str:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:4]
    if head.startswith(b"PAR1"):
        return "parquet"
    return "json" if head[:1] in (b"{", b"[") else "csv"


def _at_path(document: Any, path: str) -> Any:
    for key in filter(None, path.split(".")):
        if isinstance(document, dict):
            document = document.get(key)
        elif isinstance(document, list) and key.isascii() and key.isdigit():
            if int(key) >= len(document):
                return None
            document = document[int(key)]
        else:
            return None
    return document


def _csv_records(body: bytes) -> list[dict[str, Any]]:
    text = clean_text(body.decode("utf-8-sig", errors="replace"))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ParseError(f"leaderboard snapshot is not valid CSV: {exc}") from None


def _parquet_records(body: bytes) -> list[dict[str, Any]]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParseError(
            "parquet needs pyarrow: install it, or point the source at the JSON/CSV form"
        ) from None
    version = tuple(int(part) for part in pyarrow.__version__.split(".")[:3] if part.isdigit())
    if version < _MIN_PYARROW:
        raise ParseError(f"parquet needs pyarrow >= 14.0.1 (found {pyarrow.__version__})")
    try:
        return list(pyarrow.parquet.read_table(io.BytesIO(body)).to_pylist())
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        raise ParseError(f"leaderboard snapshot is not valid parquet: {exc}") from None


def _column_value(records: list[dict[str, Any]], columns: Columns, ours: str) -> str | None:
    """The most common non-empty value of a per-row column (a snapshot has one method)."""
    values = Counter(v for record in records if (v := _text(columns.get(record, ours))))
    return values.most_common(1)[0][0] if values else None


def _as_of(
    document: dict[str, Any],
    records: list[dict[str, Any]],
    columns: Columns,
    source: SourceConfig,
    headers: dict[str, str],
) -> datetime | None:
    """The snapshot time: the document's key, an ``as_of`` column, else Last-Modified / Date."""
    key = source.as_of or columns.name("as_of")
    for value in (_at_path(document, key), _column_value(records, columns, "as_of")):
        if (moment := _moment(value)) is not None:
            return moment
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("last-modified", "date"):
        try:
            return to_utc(parsedate_to_datetime(lowered[name]))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
    return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            # Epoch seconds, or milliseconds when too large to be seconds.
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        return parse_time(str(value))
    except (ValueError, OverflowError, OSError):
        return None


def _text(value: Any) -> str | None:
    return clean_text(value).strip() or None if isinstance(value, str) else None
