"""On SQLite, an event's position is its row id (``INTEGER PRIMARY KEY``).

A ``BIGINT PRIMARY KEY`` is not SQLite's row id: it was a separate unique index, so every read
in position order (rebuilds, catch-ups, past reads) walked that index and looked each row up
in the table, and every append wrote both. As the row id, the table itself is in position
order (docs/design.md §3: positions are gapless and start at 1, so the row ids are what they
were). The table is copied once, in position order; nothing changes on PostgreSQL.

Revision ID: 0010_events_rowid
Revises: 0004_board
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import structlog
from alembic import op

revision: str = "0010_events_rowid"
down_revision: str | None = "0004_board"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = structlog.get_logger("crownlog.migrate")
#: Events copied per statement (each logs its progress).
_STEP = 500_000

_COLUMNS = (
    "position, stream, version, type, schema, data, occurred_at, recorded_at, source, "
    '"key", prev_hash, hash'
)
_TABLE = """CREATE TABLE events_copy (
    position {position} NOT NULL PRIMARY KEY,
    stream VARCHAR(200) NOT NULL,
    version INTEGER NOT NULL,
    type VARCHAR(100) NOT NULL,
    schema INTEGER NOT NULL,
    data JSON NOT NULL,
    occurred_at DATETIME NOT NULL,
    recorded_at DATETIME NOT NULL,
    source JSON,
    "key" VARCHAR(500),
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    CONSTRAINT uq_events_stream_version UNIQUE (stream, version),
    CONSTRAINT uq_events_key UNIQUE ("key")
)"""


def _copy(position_type: str) -> None:
    """Recreate ``events`` with ``position`` of ``position_type``, rows in position order."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    head = bind.exec_driver_sql("SELECT max(position) FROM events").scalar() or 0
    if head:
        log.info("copying the events table (positions become row ids)", events=head)
    op.execute(_TABLE.format(position=position_type))
    for after in range(0, head, _STEP):
        op.execute(
            f"INSERT INTO events_copy ({_COLUMNS}) SELECT {_COLUMNS} FROM events "
            f"WHERE position > {after} AND position <= {after + _STEP} ORDER BY position"
        )
        log.info("copied", events=min(after + _STEP, head), of=head)
    op.execute("DROP TABLE events")
    op.execute("ALTER TABLE events_copy RENAME TO events")
    op.execute("CREATE INDEX ix_events_occurred_at ON events (occurred_at)")
    op.execute("CREATE INDEX ix_events_recorded_at ON events (recorded_at)")
    if head:
        log.info("events table copied", events=head)


def upgrade() -> None:
    _copy("INTEGER")


def downgrade() -> None:
    _copy("BIGINT")
