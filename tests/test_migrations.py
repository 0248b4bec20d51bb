"""The migrations build exactly the schema the models describe, and there is one head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory


def test_migrations_match_the_models(app) -> None:
    from app.extensions import db
    from sandboxes.kit.db import metadata as kit_metadata

    kit_tables = set(kit_metadata.tables)

    def app_tables_only(name, type_, _parents):  # type: ignore[no-untyped-def]
        # The sandboxes make their own tables in the same database; they are not the app's.
        return not (type_ == "table" and name in kit_tables)

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": app_tables_only})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_one_head(app) -> None:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"merge the migration heads (`flask db merge heads`): {heads}"
