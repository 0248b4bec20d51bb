"""transfers: external ids up to 1,000 characters

A package may name a record by a URL (FreeAgent), and a receipt paying several invoices by one
id per invoice; 100 characters cut those off (PostgreSQL refused the update, SQLite never did).

Revision ID: transfers_external_id_01
Revises: sandbox_kit_01
Create Date: 2026-12-03 01:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "transfers_external_id_01"
down_revision = "sandbox_kit_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.alter_column("external_id", existing_type=sa.String(length=100),
                              type_=sa.String(length=1000), existing_nullable=True)


def downgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.alter_column("external_id", existing_type=sa.String(length=1000),
                              type_=sa.String(length=100), existing_nullable=True)
