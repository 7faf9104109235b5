"""an index on embeddings.created_at for the explorer's position

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The explorer page (and its first paint, read by the server on every visit) is keyed by where
the stored vectors stand: ``max(created_at)`` and ``count(*)`` of ``embeddings``
(``qldrops.store.cache.table_position``). Without an index the newest was a scan of every
vector row (1.5 KB each): 195 ms at 200,000 vectors on SQLite, linear past that. With it,
0.1 ms, and the count reads this small index instead of the table (3 ms).
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        batch_op.create_index("ix_embeddings_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        batch_op.drop_index("ix_embeddings_created")
