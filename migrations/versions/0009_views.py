"""The score index (board_scores): leaderboard rows by board and snapshot, filled from the log.

Revision ID: 0009_views
Revises: 0008_notify
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_views"
down_revision: str | None = "0008_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILL = {
    "sqlite": (
        "INSERT INTO board_scores (position, leaderboard, method, model, occurred_at, value) "
        "SELECT position, json_extract(data, '$.leaderboard'), json_extract(data, '$.method'), "
        "json_extract(data, '$.model'), occurred_at, CAST(json_extract(data, '$.value') AS REAL) "
        "FROM events WHERE type = 'ScoreReported' " + "{conflict}"
    ),
    "postgresql": (
        "INSERT INTO board_scores (position, leaderboard, method, model, occurred_at, value) "
        "SELECT position, data->>'leaderboard', data->>'method', data->>'model', occurred_at, "
        "(data->>'value')::double precision FROM events WHERE type = 'ScoreReported' "
        + "{conflict}"
    ),
}
#: A snapshot read twice keeps its later row (as ``ScoreIndex`` does).
_CONFLICT = (
    "ON CONFLICT (leaderboard, occurred_at, method, model) DO UPDATE SET "
    "position = excluded.position, value = excluded.value "
    "WHERE excluded.position > board_scores.position"
)


def upgrade() -> None:
    op.create_table(
        "board_scores",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("leaderboard", sa.String(200), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.UniqueConstraint(
            "leaderboard", "occurred_at", "method", "model", name="uq_board_scores_row"
        ),
    )
    op.create_index(
        "ix_board_scores_snapshot",
        "board_scores",
        ["leaderboard", "occurred_at", "method", "value"],
    )
    op.create_index("ix_board_scores_model", "board_scores", ["model", "leaderboard"])
    fill = _FILL.get(op.get_bind().dialect.name)
    if fill is not None:
        op.execute(fill.format(conflict=_CONFLICT))


def downgrade() -> None:
    op.drop_index("ix_board_scores_model", table_name="board_scores")
    op.drop_index("ix_board_scores_snapshot", table_name="board_scores")
    op.drop_table("board_scores")
