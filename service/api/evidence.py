"""The evidence behind a model's current facts: for each fact, the event that set it (the
catalog keeps its position), the sentence it was read from and the source item it cites."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.api.sourceitems import source_items
from service.projections.catalog import Catalog
from service.projections.catalog_view import provenance
from service.schema import events

#: Facts the compare page lines up, in this order, with their labels.
FACTS = (
    ("lab", "Lab"),
    ("released_at", "Released"),
    ("license", "Licence"),
    ("open_weights", "Open weights"),
    ("params_total", "Parameters"),
    ("params_active", "Active parameters"),
    ("architecture", "Architecture"),
    ("context_length", "Context length"),
    ("downloads", "Downloads"),
)


def fact_evidence(conn: Connection, catalog: Catalog, slug: str) -> dict[str, dict[str, Any]]:
    """``{field: {position, type, evidence, item}}`` for each of ``slug``'s current facts."""
    positions = provenance(catalog, "model", slug)
    found = events_at(conn, set(positions.values()))
    return {name: found[position] for name, position in positions.items()}


def events_at(conn: Connection, positions: set[int]) -> dict[int, dict[str, Any]]:
    """``{position: {position, type, evidence, url, source_id, title}}`` for the events at
    ``positions`` and the source items they cite (a position not in the log: only itself)."""
    if not positions:
        return {}
    rows = conn.execute(
        sa.select(events.c.position, events.c.type, events.c.data, events.c.source).where(
            events.c.position.in_(sorted(positions))
        )
    ).all()
    found: dict[int, dict[str, Any]] = {}
    keys = set()
    for position, kind, data, source in rows:
        data, source = _json(data), _json(source)
        key = (source["source_id"], source.get("item_id")) if source else None
        if key and key[1] is not None:
            keys.add(key)
        found[int(position)] = {
            "position": int(position),
            "type": kind,
            "evidence": data.get("evidence") or data.get("snippet"),
            "key": key,
            "url": source.get("url") if source else None,
            "source_id": source["source_id"] if source else None,
        }
    items = source_items(conn, keys)
    out = {}
    for position in positions:
        entry = dict(found.get(position) or {"position": position})
        item = items.get(entry.pop("key", None) or ("", ""))
        entry["title"] = item["title"] if item else None
        entry["url"] = (item or {}).get("url") or entry.get("url")
        out[position] = entry
    return out


def _json(value: Any) -> Any:
    """A JSON column's value (SQLite may hand back text, PostgreSQL decoded JSON)."""
    return orjson.loads(value) if isinstance(value, str | bytes) else (value or {})
