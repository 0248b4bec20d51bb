"""sessions end on password change; invited memberships; last sign-in

Revision ID: security_01
Revises: dashboard_counts_idx
"""
import sqlalchemy as sa
from alembic import op

revision = "security_01"
down_revision = "dashboard_counts_idx"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        # Existing users get "" (server default): their sessions stay valid until their next
        # password change, which gives them a random token.
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("last_sign_in_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False,
                                      server_default="active"))
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("invited_at")
        batch_op.drop_column("status")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_sign_in_at")
        batch_op.drop_column("session_token")
