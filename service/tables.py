"""CSV of every table crownlog shows (docs/design.md §6 ``?format=csv``, ``--csv``).

One module for the API, the CLI and the dashboard's download links, so a table has the same
columns wherever it is downloaded. Each table names its columns and where its rows are in the
JSON body the same read returns.

CSV injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula. Model names, feed titles and error texts come
from the outside, so every *text* cell that starts with one of those characters gets a leading
apostrophe (OWASP's advice); numbers crownlog computed itself are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from service.diff import change_rows

MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

Getter = Callable[[dict[str, Any]], Any]


def cell(value: Any) -> str:
    """One cell: empty for null, true/false, numbers as written, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        text = "; ".join("" if part is None else str(part) for part in value)
    elif isinstance(value, dict):
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


@dataclass(frozen=True, slots=True)
class Table:
    """A table: a file name, its columns (header, getter) and where a body keeps its rows."""

    name: str
    columns: tuple[tuple[str, Getter], ...]
    rows: Callable[[dict[str, Any]], Iterable[dict[str, Any]]]

    def render(self, body: dict[str, Any]) -> str:
        """The CSV text of ``body``'s rows (header first, CRLF line ends as RFC 4180 has)."""
        return write(self.columns, self.rows(body))


def write(columns: Sequence[tuple[str, Getter]], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header for header, _get in columns)
    for row in rows:
        writer.writerow(cell(get(row)) for _header, get in columns)
    return out.getvalue()


def field(name: str) -> tuple[str, Getter]:
    """A column that is the row's ``name`` field (absent fields are empty)."""
    return name, lambda row: row.get(name)


def nested(header: str, *path: str) -> tuple[str, Getter]:
    """A column read from a nested dict (``source.url``); empty where a level is missing."""

    def get(row: dict[str, Any]) -> Any:
        value: Any = row
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return header, get


def _fields(*names: str) -> tuple[tuple[str, Getter], ...]:
    return tuple(field(name) for name in names)


def _with_body(body: dict[str, Any], key: str, *names: str) -> list[dict[str, Any]]:
    """Rows of ``body[key]``, each with the body-level ``names`` (where the table stands)."""
    shared = {name: body.get(name) for name in names}
    return [{**row, **shared} for row in body.get(key) or []]


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body.get("items") or [])


def _disputes(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A model detail's disputed figures, one row per report (``fact``: the figure)."""
    return [
        {"model": body.get("slug"), "fact": fact, **report}
        for fact, reports in (body.get("disputes") or {}).items()
        for report in reports
    ]


def _place_table(name: str) -> Table:
    return Table(
        name,
        _fields(
            "slug", "name", "kind", "city", "country", "models_released", "released_30d",
            "released_90d", "best_rank", "top10", "crown_days", "mentions_7d", "mentions_30d",
        ),
        _items,
    )  # fmt: skip


_ENVELOPE = (
    *_fields("position", "stream", "version", "type", "schema", "occurred_at", "recorded_at"),
    nested("source_id", "source", "source_id"),
    nested("item_id", "source", "item_id"),
    nested("url", "source", "url"),
    nested("sha256", "source", "sha256"),
    field("key"),
    field("data"),
    field("prev_hash"),
    field("hash"),
)

#: Every table, by the name its download link and ``--csv`` use.
TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "standings",
            _fields(
                "rank", "model", "lab", "city", "score", "ci_low", "ci_high", "votes",
                "open_weights", "weights", "board_rank", "leaderboard", "method", "as_of",
                "known_at", "position",
            ),
            lambda body: _with_body(
                body, "rows", "leaderboard", "method", "as_of", "known_at", "position"
            ),
        ),
        Table(
            "reigns",
            (*_fields("model", "lab", "city", "from", "to", "days", "co_holders", "leaderboard"),),
            lambda body: _with_body(body, "reigns", "leaderboard"),
        ),
        Table(
            "models",
            _fields(
                "slug", "name", "lab", "city", "country", "params_total", "params_active",
                "architecture", "context_length", "license", "open_weights", "weights",
                "released_at", "downloads", "likes", "aliases",
            ),
            _items,
        ),
        _place_table("labs"),
        _place_table("cities"),
        Table("events", _ENVELOPE, _items),
        Table(
            "model-events",
            (*_ENVELOPE, nested("item_title", "item", "title"), nested("item_url", "item", "url")),
            _items,
        ),
        Table(
            "history",
            _fields(
                "model", "leaderboard", "as_of", "status", "method", "score", "ci_low",
                "ci_high", "votes", "rank", "board_rank", "weights", "position",
            ),
            lambda body: _with_body(body, "points", "model", "leaderboard"),
        ),
        Table(
            "changes",
            _fields(
                "kind", "leaderboard", "model", "before", "after", "change", "at", "from", "to",
                "axis", "from_position", "to_position",
            ),
            lambda body: _with_body(
                {**body, "rows": change_rows(body)},
                "rows", "from", "to", "axis", "from_position", "to_position",
            ),
        ),
        Table(
            "disputes",
            _fields(
                "model", "fact", "value", "current", "authority", "confidence", "occurred_at",
                "position", "flags", "evidence", "source_id", "title", "url",
            ),
            _disputes,
        ),
        Table(
            "sources",
            _fields(
                "id", "kind", "url", "enabled", "healthy", "last_status", "http_status",
                "consecutive_errors", "last_error", "last_poll_at", "last_success_at",
                "next_due_at", "items_seen", "events_appended",
            ),
            _items,
        ),
    )
}  # fmt: skip
