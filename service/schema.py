"""Table definitions: the model that Alembic migrations must match (a test checks they do).

The schema itself is only ever created or changed by ``migrations/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from service.clock import to_utc

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite stores naive text, so UTC is restored)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = to_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else to_utc(value)


#: JSON text on SQLite, JSONB on PostgreSQL.
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: On SQLite the position is the row id (``INTEGER PRIMARY KEY``): the table is in position
#: order, with no second index to walk or to write (migration ``0010_events_rowid``).
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

events = sa.Table(
    "events",
    metadata,
    sa.Column("position", Position, primary_key=True, autoincrement=False),
    sa.Column("stream", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("schema", sa.Integer, nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("source", Json, nullable=True),
    sa.Column("key", sa.String(500), nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    sa.UniqueConstraint("key", name="uq_events_key"),
    #: World-time order (``occurred_at, position``) is read from this index.
    sa.Index("ix_events_occurred_at", "occurred_at", "position"),
    sa.Index("ix_events_recorded_at", "recorded_at"),
)

checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("configured_url", sa.Text, nullable=True),
    sa.Column("last_poll_at", UtcDateTime, nullable=True),
    sa.Column("last_success_at", UtcDateTime, nullable=True),
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
    sa.Column("next_due_at", UtcDateTime, nullable=True),
    sa.Column("items_seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("events_appended", sa.Integer, nullable=False, server_default="0"),
    sa.Column("polls", sa.Integer, nullable=False, server_default="0"),
)

#: Projection of ItemObserved / ItemRevised: the content hash last seen per source item.
items = sa.Table(
    "items",
    metadata,
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("item_id", sa.String(512), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

#: Index of ``ScoreReported`` rows by board and snapshot: what a model's history ranks it among
#: (``service.scorehistory``) without reading every payload. One row per model and snapshot (a
#: snapshot read again keeps its later row); kept in the append's transaction.
board_scores = sa.Table(
    "board_scores",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("leaderboard", sa.String(200), nullable=False),
    sa.Column("method", sa.String(200), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.UniqueConstraint(
        "leaderboard", "occurred_at", "method", "model", name="uq_board_scores_row"
    ),
    sa.Index("ix_board_scores_snapshot", "leaderboard", "occurred_at", "method", "value"),
    sa.Index("ix_board_scores_model", "model", "leaderboard"),
)

#: Materialized projection views (catalog entries, standings and reigns per board), kept in
#: step with the log in the append transaction; the audit compares them with a rebuild.
projection_rows = sa.Table(
    "projection_rows",
    metadata,
    sa.Column("projection", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("value", Json, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

#: Fold states every N events (compressed canonical JSON): past reads start from the nearest.
#: An optimisation only: deleting them changes no answer.
projection_snapshots = sa.Table(
    "projection_snapshots",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    #: "full" (every fold state, enough to fold anything on) or "light" (what the views read;
    #: folding on from it works unless a backfill reaches behind it).
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    #: The latest occurred_at of any event up to ``position`` (as_of reads start from here).
    sa.Column("occurred_max", UtcDateTime, nullable=True),
    sa.Column(
        "state", sa.LargeBinary().with_variant(postgresql.BYTEA(), "postgresql"), nullable=False
    ),
)

#: Light states of the world by occurred_at (``service.projections.ladder``): the state of
#: every event with occurred_at <= occurred_until, as known when built at ``position``.
asof_rungs = sa.Table(
    "asof_rungs",
    metadata,
    sa.Column("occurred_until", UtcDateTime, primary_key=True),
    #: The last event folded at ``occurred_until`` (world-time order: occurred_at, position).
    sa.Column("last_position", sa.BigInteger, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column(
        "state", sa.LargeBinary().with_variant(postgresql.BYTEA(), "postgresql"), nullable=False
    ),
)

#: Ids that count up on both databases (SQLite autoincrements only an INTEGER primary key).
_Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: Alerts the notify follower (``jobs.notify``) derived from the log; its checkpoint is the
#: ``checkpoints`` row ``notify``. The alerts of one log position are delivered together.
notify_alerts = sa.Table(
    "notify_alerts",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    #: ``kind|leaderboard|model``: deriving a position again inserts nothing new.
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("body", Json, nullable=False),
)

#: Per ``[[notify]]`` target: how far it has delivered (log position, source-health id) and
#: its health (a failing endpoint backs off like a source).
notify_targets = sa.Table(
    "notify_targets",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("health_id", sa.BigInteger, nullable=False),
    sa.Column("consecutive_errors", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_attempt_at", UtcDateTime, nullable=True),
    sa.Column("last_success_at", UtcDateTime, nullable=True),
    sa.Column("next_attempt_at", UtcDateTime, nullable=True),
    sa.Column("delivered", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("failed", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

#: Every delivery attempt (live, replay or test), delivered or failed.
notify_deliveries = sa.Table(
    "notify_deliveries",
    metadata,
    sa.Column("id", _Serial, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(100), nullable=False),
    sa.Column("delivery", sa.String(60), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("attempted_at", UtcDateTime, nullable=False),
    sa.Column("alerts", sa.Integer, nullable=False),
    sa.Column("http_status", sa.Integer, nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_notify_deliveries_target", "target", "id"),
)

#: Source health transitions (a failed poll, a recovery), written in the poll's transaction
#: under a lock so ids commit in order: the notify follower reads them by id.
source_health = sa.Table(
    "source_health",
    metadata,
    sa.Column("id", _Serial, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(100), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("consecutive_errors", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)
