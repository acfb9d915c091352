"""Notifications: derived alerts, targets, the delivery log, and the source-health journal.

Revision ID: 0008_notify
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_notify"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notify_alerts",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recorded_at", _time, nullable=False),
        sa.Column("body", _json, nullable=False),
    )
    op.create_table(
        "notify_targets",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("health_id", sa.BigInteger, nullable=False),
        sa.Column("consecutive_errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_attempt_at", _time, nullable=True),
        sa.Column("last_success_at", _time, nullable=True),
        sa.Column("next_attempt_at", _time, nullable=True),
        sa.Column("delivered", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", _time, nullable=False),
    )
    op.create_table(
        "notify_deliveries",
        sa.Column("id", _serial, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("delivery", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("attempted_at", _time, nullable=False),
        sa.Column("alerts", sa.Integer, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_notify_deliveries_target", "notify_deliveries", ["target", "id"])
    op.create_table(
        "source_health",
        sa.Column("id", _serial, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("at", _time, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("consecutive_errors", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("source_health")
    op.drop_index("ix_notify_deliveries_target", table_name="notify_deliveries")
    op.drop_table("notify_deliveries")
    op.drop_table("notify_targets")
    op.drop_table("notify_alerts")
