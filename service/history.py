"""A model's history: every event about it with the item, URL and evidence behind it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from service.clock import format_time
from service.schema import events, items
from service.store import EventStore

_NOT_FACTS = {"model", "evidence", "confidence", "slug"}


def model_history(store: EventStore, slug: str) -> list[dict[str, Any]]:
    """Each event of ``model:<slug>`` with its fact, evidence and the source item's title/URL."""
    entries = []
    stream = store.read_stream(f"model:{slug}")
    titles = _item_titles(
        store, {(e.source.source_id, e.source.item_id) for e in stream if e.source}
    )
    for event in stream:
        source = event.source
        fact = {k: v for k, v in event.data.items() if k not in _NOT_FACTS}
        entries.append(
            {
                "position": event.position,
                "type": event.type,
                "occurred_at": format_time(event.occurred_at),
                "recorded_at": format_time(event.recorded_at),
                "fact": fact,
                "evidence": event.data.get("evidence") or event.data.get("snippet"),
                "confidence": event.data.get("confidence"),
                "source_id": source.source_id if source else None,
                "item_id": source.item_id if source else None,
                "url": source.url if source else None,
                "item_title": titles.get((source.source_id, source.item_id)) if source else None,
            }
        )
    return entries


def _item_titles(
    store: EventStore, keys: set[tuple[str, str | None]]
) -> dict[tuple[str, str | None], str | None]:
    """Titles of the items behind events, from their ItemObserved/ItemRevised event."""
    wanted = [(s, i) for s, i in keys if i is not None]
    if not wanted:
        return {}
    with store.engine.connect() as conn:
        positions = {
            (s, i): p
            for s, i, p in conn.execute(
                sa.select(items.c.source_id, items.c.item_id, items.c.position).where(
                    sa.tuple_(items.c.source_id, items.c.item_id).in_(wanted)
                )
            )
        }
        if not positions:
            return {}
        rows = conn.execute(
            sa.select(events.c.position, events.c.data).where(
                events.c.position.in_(list(positions.values()))
            )
        )
        by_position = {position: data.get("title") for position, data in rows}
    return {key: by_position.get(position) for key, position in positions.items()}
