"""collaboration: link access levels, version contributors, line comments

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

Share links were read-only. A link now carries an access level (view, comment
or edit; every older link stays "view"), a version written together names its
contributors, and line comments are anchored to a drop, a line range and the
version those lines refer to (they follow their lines into new versions).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("previews") as batch_op:
        batch_op.add_column(sa.Column("access", sa.String(length=16), nullable=False, server_default="view"))
    with op.batch_alter_table("drop_versions") as batch_op:
        batch_op.add_column(sa.Column("contributors", JSONType, nullable=True))
    op.create_table(
        "comments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("drop_id", sa.BigInteger(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_version", sa.Integer(), nullable=False),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("preview_id", sa.BigInteger(), nullable=True),
        sa.Column("reply_to", sa.BigInteger(), nullable=True),
        sa.Column("outdated", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["drop_id"], ["drops.id"], name="fk_comments_drop_id_drops", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("comments") as batch_op:
        batch_op.create_index("ix_comments_drop", ["drop_id", "id"], unique=False)
        batch_op.create_index("ix_comments_workflow", ["workspace", "workflow_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_index("ix_comments_workflow")
        batch_op.drop_index("ix_comments_drop")
    op.drop_table("comments")
    with op.batch_alter_table("drop_versions") as batch_op:
        batch_op.drop_column("contributors")
    with op.batch_alter_table("previews") as batch_op:
        batch_op.drop_column("access")
