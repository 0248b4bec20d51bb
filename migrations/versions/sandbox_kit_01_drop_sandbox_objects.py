"""the sandboxes keep their objects in tables of their own (sandboxes/kit/db.py)

Revision ID: sandbox_kit_01
Revises: merge_issue7_8_01

The simulators' books leave the app's schema. Where the kit shares this database (no
SANDBOX_DATABASE_URL) and there are any, the rows move into the kit's table first, so a sandbox
organisation a connection already uses keeps its books and tokens; elsewhere they are dropped
with the table.
"""
from alembic import op
import sqlalchemy as sa


revision = "sandbox_kit_01"
down_revision = "merge_issue7_8_01"
branch_labels = None
depends_on = None

_COLUMNS = "package, tenant, collection, object_id, ref, data, created_at, updated_at"


def upgrade():
    from sandboxes.kit import db as kit_db
    from sandboxes.kit.config import setting

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT count(*) FROM sandbox_objects")).scalar()
    if rows and not setting("SANDBOX_DATABASE_URL"):
        kit_db.create_tables(bind)
        target = kit_db.KitObject.__tablename__
        bind.execute(sa.text(f"INSERT INTO {target} ({_COLUMNS}) "
                             f"SELECT {_COLUMNS} FROM sandbox_objects"))
    with op.batch_alter_table("sandbox_objects", schema=None) as batch_op:
        batch_op.drop_index("ix_sandbox_objects_ref")
        batch_op.drop_index("ix_sandbox_objects_lookup")
    op.drop_table("sandbox_objects")


def downgrade():
    # The old table comes back empty: the kit's own table (and its rows) is the kit's.
    op.create_table(
        "sandbox_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("collection", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_objects")),
    )
    with op.batch_alter_table("sandbox_objects", schema=None) as batch_op:
        batch_op.create_index("ix_sandbox_objects_lookup",
                              ["package", "tenant", "collection", "object_id"], unique=True)
        batch_op.create_index("ix_sandbox_objects_ref",
                              ["package", "tenant", "collection", "ref"], unique=False)
