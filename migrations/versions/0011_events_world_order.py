"""The occurred_at index also holds the position: world-time order is read from the index.

Reads in world-time order (the as_of ladder, ``fetch_folds_by_time``) ask for
``(occurred_at, position) > (T, p) ORDER BY occurred_at, position LIMIT n``. With an index on
``occurred_at`` alone, PostgreSQL collected and sorted every later event for each chunk, so
building the ladder of a 10M-event log was quadratic; on ``(occurred_at, position)`` it walks
the index and stops after ``n`` rows. (SQLite's indexes already end with the row id, which is
the position since ``0010_events_rowid``; the index is rebuilt there too, to keep one schema.)

Revision ID: 0011_events_world_order
Revises: 0010_events_rowid
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import structlog
from alembic import op

revision: str = "0011_events_world_order"
down_revision: str | None = "0010_events_rowid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = structlog.get_logger("crownlog.migrate")


def _index(columns: list[str]) -> None:
    log.info("rebuilding the events index on occurred_at", columns=columns)
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.create_index("ix_events_occurred_at", "events", columns)


def upgrade() -> None:
    _index(["occurred_at", "position"])


def downgrade() -> None:
    _index(["occurred_at"])
