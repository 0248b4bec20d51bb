"""possible duplicates: held contacts and "create it anyway"

Revision ID: dedupe_01
Revises: dashboard_counts_idx
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "dedupe_01"
down_revision = "dashboard_counts_idx"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("possible_duplicate", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("create_anyway", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("create_anyway")
        batch_op.drop_column("possible_duplicate")
