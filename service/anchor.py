"""Anchored heads: the log's head as a small statement anyone can keep and check later.

A hash chain proves a log unchanged only against a hash kept somewhere else: whoever can
rewrite the tail can recompute every hash after it. So crownlog publishes its head —
``{"position", "hash", "recorded_at"}`` — on the CLI (``crownlog audit head``), the API
(``/api/v1/audit/head``), the dashboard footer and the Atom feed; anyone who keeps a copy can
ask ``crownlog audit verify --expect POS:HASH`` whether the log still holds it (docs/design.md
§2, §6). ``service.headsign`` signs heads for those who want proof of who published them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from service import appendsql
from service.clock import format_time
from service.schema import events

_EXPECT = re.compile(r"^\s*(\d{1,19})\s*:\s*([0-9a-fA-F]{64})\s*$")


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of the log (position 0 and the genesis hash for an empty log)."""

    position: int
    hash: str
    recorded_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The published shape: ``{"position", "hash", "recorded_at"}``."""
        recorded = format_time(self.recorded_at) if self.recorded_at is not None else None
        return {"position": self.position, "hash": self.hash, "recorded_at": recorded}


def current_head(engine: Engine) -> Head:
    """The head of the log now."""
    with engine.connect() as conn:
        return Head(*appendsql.head_record(conn))


def parse_expect(text: str) -> tuple[int, str]:
    """``"POS:HASH"`` → ``(position, lower-case hash)``; ``ValueError`` naming the form."""
    match = _EXPECT.match(text)
    if not match:
        raise ValueError(f"--expect {text!r}: expected POSITION:HASH (a 64-digit hex SHA-256)")
    return int(match.group(1)), match.group(2).lower()


def expectation_problem(engine: Engine, position: int, digest: str) -> str | None:
    """Why the log does not hold the head ``position:digest`` any more, or None if it does.

    Together with an intact chain, an equal hash at that position proves every event up to it
    is exactly what it was when the head was noted.
    """
    with engine.connect() as conn:
        found = conn.execute(sa.select(events.c.hash).where(events.c.position == position))
        stored = found.scalar()
        last = appendsql.head(conn)[0]
    if stored is None:
        return (
            f"expected head {position}:{digest[:16]}… is gone: the log ends at position {last} "
            "(truncated, or restored from an older backup)"
        )
    if stored != digest:
        return (
            f"expected head {position}:{digest[:16]}… does not match: the log holds "
            f"{stored[:16]}… at position {position} (the log was rewritten up to there)"
        )
    return None
