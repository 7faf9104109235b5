"""share links name the dashboard they open

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

A share link opened the workflow preview only. Stakeholders also need the
workspace-wide analytics and explorer dashboards behind the same capability
checks, so a link now says which dashboard it opens ("preview" for every link
made before).
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("previews") as batch_op:
        batch_op.add_column(sa.Column("dashboard", sa.String(length=32), nullable=False,
                                      server_default="preview"))


def downgrade() -> None:
    with op.batch_alter_table("previews") as batch_op:
        batch_op.drop_column("dashboard")
