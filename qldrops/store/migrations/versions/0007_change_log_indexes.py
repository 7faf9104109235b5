"""indexes on the change log for the page cache's positions and the watchers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Every cached page first asks where its workspace or workflow stands in the change
log (``qldrops.store.cache``: ``max(seq)`` and ``count(*)`` of the workspace's changes,
or of the changes of one workflow's drops). Without an index those were scans of the
whole log, which grows with every write. ``(workspace, seq)`` answers the first from
the index alone; ``drop_id`` serves the join of the second and the watchers' reads of
one drop's changes.
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_workspace_seq", ["workspace", "seq"], unique=False)
        batch_op.create_index("ix_changes_drop_id", ["drop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_drop_id")
        batch_op.drop_index("ix_changes_workspace_seq")
