"""pull mode: the desktop side of a connection, its sessions, and a transfer's stage

Revision ID: pull_01
Revises: transfers_external_id_01
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "pull_01"
down_revision = "transfers_external_id_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pull_clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("connection_id", sa.Integer(),
                  sa.ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.String(length=38), nullable=False),
        sa.Column("file_id", sa.String(length=38), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("client_version", sa.String(length=40), nullable=False),
        sa.Column("company_file", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("connection_id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "pull_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.Integer(),
                  sa.ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("out_kind", sa.String(length=20), nullable=False),
        sa.Column("attempt_id", sa.String(length=32), nullable=False),
        sa.Column("request_note", sa.Text(), nullable=False),
        sa.Column("handed", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.UniqueConstraint("ticket_hash"),
    )
    op.create_index("ix_pull_sessions_connection_id", "pull_sessions", ["connection_id"])
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=24), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("stage")
    op.drop_index("ix_pull_sessions_connection_id", table_name="pull_sessions")
    op.drop_table("pull_sessions")
    op.drop_table("pull_clients")
