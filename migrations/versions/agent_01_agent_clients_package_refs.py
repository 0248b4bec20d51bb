"""the Ledgerlink agent: what it says of the package, which install holds a connection, and
the references we choose for contacts in packages that leave that to us

Revision ID: agent_01
Revises: pull_01
Create Date: 2026-12-04 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "agent_01"
down_revision = "pull_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pull_clients") as batch:
        batch.add_column(sa.Column("package_version", sa.String(length=60), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("holder_id", sa.String(length=64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("holder_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(sa.Column("package_ref", sa.String(length=30), nullable=False,
                                   server_default=""))
    # Unique per connection among the ones chosen (most transfers have none).
    op.create_index("ux_transfers_connection_package_ref", "transfers",
                    ["connection_id", "package_ref"], unique=True,
                    sqlite_where=sa.text("package_ref != ''"),
                    postgresql_where=sa.text("package_ref != ''"))


def downgrade():
    op.drop_index("ux_transfers_connection_package_ref", table_name="transfers")
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("package_ref")
    with op.batch_alter_table("pull_clients") as batch:
        batch.drop_column("holder_until")
        batch.drop_column("holder_id")
        batch.drop_column("package_version")
