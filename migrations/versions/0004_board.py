"""Board timeline: drop stored fold states made before standings kept the snapshot in force.

Standings now date each board's listing (complete snapshots, withdrawals, every method mark)
and the crown's race drops delisted models; fold states stored by older versions lack those
fields. Snapshots and as_of rungs are an optimisation only (deleting them changes no answer):
they are deleted here and rebuilt as the log grows, or at once by ``crownlog replay``.
No table changes, so the downgrade has nothing to restore.

Revision ID: 0004_board
Revises: 0009_views
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_board"
down_revision: str | None = "0009_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM projection_snapshots")
    op.execute("DELETE FROM asof_rungs")


def downgrade() -> None:
    # The older fold states are not kept; the older code reads without them (slower past
    # reads until new snapshots are taken).
    pass
