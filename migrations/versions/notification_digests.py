"""failure digests: recipients and per-company digest state

Revision ID: notification_digests_1
Revises: 4939bbd4e75e
Create Date: 2026-11-26 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "notification_digests_1"
down_revision = "4939bbd4e75e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "digest_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_digest_recipients_company_id_companies"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_digest_recipients_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_recipients")),
        sa.UniqueConstraint("company_id", "email", name=op.f("uq_digest_recipients_company_id")),
    )
    with op.batch_alter_table("digest_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_recipients_company_id"), ["company_id"], unique=False
        )
    op.create_table(
        "digest_states",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("recipients_chosen", sa.Boolean(), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_transfer_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_digest_states_company_id_companies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_digest_states")),
    )


def downgrade():
    op.drop_table("digest_states")
    with op.batch_alter_table("digest_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_recipients_company_id"))
    op.drop_table("digest_recipients")
