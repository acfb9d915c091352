"""Where the projections stand, with the hash of the event there: what a reader has folded.

A position alone cannot tell a log that grew from one that was restored: after a restore to a
shorter log (drop, upgrade, import a prefix) or to another log, the same position can hold
another event. A reader keeps the ``Tip`` it folded up to and compares: a tip that moved
backwards, or whose event's hash differs, means the log under it changed and the reader
rebuilds (``continues``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.events import GENESIS_HASH
from service.projections.persist import NAME
from service.schema import checkpoints, events


class Tip(NamedTuple):
    position: int
    hash: str


GENESIS = Tip(0, GENESIS_HASH)

#: The projections' checkpoint and the hash of the event at it, in one round trip.
TIP_SQL = {
    dialect: "SELECT c.position, e.hash FROM checkpoints c "
    f"LEFT JOIN events e ON e.position = c.position WHERE c.name = {param}"
    for dialect, param in (("sqlite", "?"), ("postgresql", "%s"))
}


def read_tip(conn: Connection) -> Tip:
    """The projections' tip (``GENESIS`` before any event)."""
    row = conn.execute(
        sa.select(checkpoints.c.position, events.c.hash)
        .select_from(checkpoints.outerjoin(events, events.c.position == checkpoints.c.position))
        .where(checkpoints.c.name == NAME)
    ).first()
    return tip_of(row)


def tip_of(row: Sequence[Any] | None) -> Tip:
    """A ``Tip`` from a ``(position, hash)`` row (or none)."""
    if row is None:
        return GENESIS
    position, digest = row[0], row[1]
    return Tip(int(position or 0), str(digest) if digest else GENESIS_HASH)


def hash_at(conn: Connection, position: int) -> str | None:
    """The hash of the event at ``position`` (None if the log has no such event)."""
    if position <= 0:
        return GENESIS_HASH
    value = conn.execute(sa.select(events.c.hash).where(events.c.position == position)).scalar()
    return str(value) if value is not None else None


def continues(conn: Connection, folded: Tip, now: Tip) -> bool:
    """True if the log at ``now`` still holds what was folded up to ``folded``."""
    if folded.position == 0:
        return True
    if now.position < folded.position:
        return False
    if now.position == folded.position:
        return now.hash == folded.hash
    return hash_at(conn, folded.position) == folded.hash
