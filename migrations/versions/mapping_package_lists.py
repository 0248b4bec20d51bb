"""mapping: the package's lists cached per connection

Revision ID: mapping_pkglists_01
Revises: 4939bbd4e75e
"""

import sqlalchemy as sa
from alembic import op

revision = "mapping_pkglists_01"
down_revision = "4939bbd4e75e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "package_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"],
            name=op.f("fk_package_lists_connection_id_connections"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_lists")),
        sa.UniqueConstraint(
            "connection_id", "kind", name=op.f("uq_package_lists_connection_id")
        ),
    )


def downgrade():
    op.drop_table("package_lists")
