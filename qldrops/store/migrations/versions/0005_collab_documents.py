"""the editor page's shared documents survive a server restart

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Several visitors edit a drop together in the browser (a pycrdt document per drop, on the
server). Until they save, the edits exist only there; a snapshot of the document (one
Yjs update) is written here a second after each change, and read back when the drop is
opened again, so a server restart loses no typing.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collab_documents",
        sa.Column("drop_id", sa.BigInteger(), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("contributors", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("drop_id", name=op.f("pk_collab_documents")),
    )


def downgrade() -> None:
    op.drop_table("collab_documents")
