"""The source item index: the content hash last seen for each item of each source.

Folded from ``ItemObserved`` / ``ItemRevised`` so that ingestion can tell a new item from a
revised one from one already seen, without scanning the log.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.checkpoints import write_checkpoint
from service.events import StoredEvent
from service.schema import items

ITEM_TYPES = frozenset({"ItemObserved", "ItemRevised"})


class ItemIndex:
    """Persisted projector of source items."""

    name = "items"

    def apply(self, conn: Connection, events: Sequence[StoredEvent]) -> None:
        latest: dict[tuple[str, str], tuple[str, int]] = {}
        for event in events:
            if event.type in ITEM_TYPES:
                key = (event.data["source_id"], event.data["item_id"])
                latest[key] = (event.data["sha256"], event.position)
        if latest:
            self._upsert(conn, latest)
        if events:
            write_checkpoint(conn, self.name, events[-1].position, events[-1].recorded_at)

    def _upsert(self, conn: Connection, latest: dict[tuple[str, str], tuple[str, int]]) -> None:
        for (source_id, item_id), (sha256, position) in latest.items():
            updated = conn.execute(
                items.update()
                .where(items.c.source_id == source_id, items.c.item_id == item_id)
                .values(sha256=sha256, position=position)
            )
            if updated.rowcount == 0:
                conn.execute(
                    items.insert().values(
                        source_id=source_id, item_id=item_id, sha256=sha256, position=position
                    )
                )

    def reset(self, conn: Connection) -> None:
        conn.execute(items.delete())


def known_items(conn: Connection, source_id: str) -> dict[str, str]:
    """``{item_id: sha256}`` of every item seen from ``source_id``."""
    rows = conn.execute(
        sa.select(items.c.item_id, items.c.sha256).where(items.c.source_id == source_id)
    )
    return {item_id: sha256 for item_id, sha256 in rows}
