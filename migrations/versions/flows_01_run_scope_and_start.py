"""run scope and description, connection sending_started, history actor

Revision ID: flows_01
Revises: dashboard_counts_idx
"""
import sqlalchemy as sa
from alembic import op

revision = "flows_01"
down_revision = "dashboard_counts_idx"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))
    # Existing connections (and the demo's) have already started sending.
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_started", sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table("transfer_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=254), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_transfer_events_run_id", ["run_id"], unique=False)
        batch_op.create_foreign_key("fk_transfer_events_run_id_runs", "runs", ["run_id"],
                                    ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("transfer_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_transfer_events_run_id_runs", type_="foreignkey")
        batch_op.drop_index("ix_transfer_events_run_id")
        batch_op.drop_column("run_id")
        batch_op.drop_column("actor")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("sending_started")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("description")
        batch_op.drop_column("scope")
