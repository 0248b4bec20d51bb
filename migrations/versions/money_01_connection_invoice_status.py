"""connections: create invoices as draft or approved

Revision ID: money_01
Revises: dashboard_counts_idx
Create Date: 2026-12-02 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "money_01"
down_revision = "dashboard_counts_idx"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_status", sa.String(length=10), nullable=False,
                                      server_default="approved"))


def downgrade():
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("invoice_status")
