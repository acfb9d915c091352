"""The feed items behind events: each event's ``source`` names an item; its latest
``ItemObserved`` / ``ItemRevised`` (found through the item index) has the title and link."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.events import StoredEvent
from service.schema import events as events_table
from service.schema import items as items_table

ItemKey = tuple[str, str]


def item_keys(events: Iterable[StoredEvent]) -> set[ItemKey]:
    """``(source_id, item_id)`` of every event that cites an item."""
    return {
        (event.source.source_id, event.source.item_id)
        for event in events
        if event.source is not None and event.source.item_id is not None
    }


def source_items(conn: Connection, keys: set[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
    """``{key: {source_id, item_id, url, title, position}}`` for the keys the index knows."""
    if not keys:
        return {}
    wanted = sa.tuple_(items_table.c.source_id, items_table.c.item_id).in_(sorted(keys))
    positions = {
        int(position): (source_id, item_id)
        for source_id, item_id, position in conn.execute(
            sa.select(items_table.c.source_id, items_table.c.item_id, items_table.c.position).where(
                wanted
            )
        )
    }
    if not positions:
        return {}
    found: dict[ItemKey, dict[str, Any]] = {}
    rows = conn.execute(
        sa.select(events_table.c.position, events_table.c.data).where(
            events_table.c.position.in_(sorted(positions))
        )
    )
    for position, data in rows:
        key = positions[int(position)]
        data = data if isinstance(data, dict) else {}
        found[key] = {
            "source_id": key[0],
            "item_id": key[1],
            "url": data.get("url"),
            "title": data.get("title"),
            "position": int(position),
        }
    return found


def with_items(
    envelopes: list[dict[str, Any]], items: dict[ItemKey, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each envelope plus ``item``: its source item, or a stub from the event's own
    provenance when the item index has no observation of it (an import, a catalog event)."""
    out = []
    for envelope in envelopes:
        source = envelope["source"]
        item = None
        if source is not None:
            key = (source["source_id"], source["item_id"])
            found = items.get(key)
            item = (
                {**found, "url": found["url"] or source["url"]}
                if found
                else {
                    "source_id": source["source_id"],
                    "item_id": source["item_id"],
                    "url": source["url"],
                    "title": None,
                    "position": None,
                }
            )
        out.append({**envelope, "item": item})
    return out
