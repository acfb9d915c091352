"""The event log, projection checkpoints, per-source poll state and the source item index.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema", sa.Integer, nullable=False),
        sa.Column("data", _json, nullable=False),
        sa.Column("occurred_at", _time, nullable=False),
        sa.Column("recorded_at", _time, nullable=False),
        sa.Column("source", _json, nullable=True),
        sa.Column("key", sa.String(500), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream", "version", name="uq_events_stream_version"),
        sa.UniqueConstraint("key", name="uq_events_key"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _time, nullable=False),
    )
    op.create_table(
        "source_state",
        sa.Column("source_id", sa.String(100), primary_key=True),
        sa.Column("configured_url", sa.Text, nullable=True),
        sa.Column("last_poll_at", _time, nullable=True),
        sa.Column("last_success_at", _time, nullable=True),
        sa.Column("last_status", sa.String(40), nullable=True),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
        sa.Column("effective_url", sa.Text, nullable=True),
        sa.Column("redirect_candidate", sa.Text, nullable=True),
        sa.Column("redirect_seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("consecutive_errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("bozo_reason", sa.Text, nullable=True),
        sa.Column("next_due_at", _time, nullable=True),
        sa.Column("items_seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("events_appended", sa.Integer, nullable=False, server_default="0"),
        sa.Column("polls", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "items",
        sa.Column("source_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("items")
    op.drop_table("source_state")
    op.drop_table("checkpoints")
    op.drop_table("events")
