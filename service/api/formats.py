"""Response formats of the table reads: JSON by default, CSV on ``?format=csv`` or when the
client's ``Accept`` prefers ``text/csv`` (docs/design.md §6).

The CSV of a read is the same body as its JSON, laid out by ``service.tables``. A projection
list (models, labs, cities) in CSV holds every item unless the request gives ``limit`` (a
download is a table, not a page); the log's events stay paged (``after`` = the last row's
position), since the whole log can be millions of rows.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from service.api.query import BadParameter, Param
from service.tables import MEDIA_TYPE, TABLES, Table

FORMATS = ("json", "csv")


def _format(name: str, value: str) -> str:
    folded = value.strip().lower()
    if folded not in FORMATS:
        raise BadParameter(f"{name}: expected json or csv, not {value[:40]!r}")
    return folded


FORMAT = Param(
    "format",
    "`json` (default) or `csv`; `Accept: text/csv` also selects CSV.",
    _format,
    {"type": "string", "enum": list(FORMATS)},
)

#: OpenAPI: a table read may also answer ``text/csv``.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "The body as JSON, or as CSV (`format=csv` or `Accept: text/csv`).",
    }
}


def _quality(part: str) -> tuple[str, float]:
    media, *params = (piece.strip() for piece in part.split(";"))
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return media.lower(), quality


def accepts_csv(accept: str) -> bool:
    """True if ``accept`` ranks ``text/csv`` above JSON (a browser's ``*/*`` does not)."""
    ranked = dict(_quality(part) for part in accept.split(",") if part.strip())
    csv = ranked.get("text/csv", 0.0)
    json = max(ranked.get("application/json", 0.0), ranked.get("application/*", 0.0))
    return csv > 0 and csv >= json


def csv_table(request: Request, chosen: str | None, name: str) -> Table | None:
    """The table to render when the request asks for CSV, else None (JSON)."""
    if chosen == "csv" or (chosen is None and accepts_csv(request.headers.get("accept", ""))):
        return TABLES[name]
    return None


def page_size(request: Request, table: Table | None, limit: int) -> int | None:
    """``limit``, or None (every item) for a CSV read that gave no ``limit``."""
    return None if table is not None and "limit" not in request.query_params else limit


def csv_body(table: Table, body: dict[str, Any]) -> tuple[bytes, str]:
    return table.render(body).encode(), MEDIA_TYPE
