"""The schema comes from the migrations alone, and they agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldapp.database import migration_include_object


def test_models_and_migrations_agree(db):
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={
        "include_object": migration_include_object, "compare_type": True,
    })
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_latest_revision(app, db):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    current = MigrationContext.configure(db.session.connection()).get_current_revision()
    assert current == head


def test_migration_files_are_date_prefixed():
    from pathlib import Path
    import re

    names = [p.name for p in (Path(__file__).parents[1] / "migrations" / "versions").glob("*.py")]
    assert names
    assert all(re.match(r"^\d{4}_\d{2}_\d{2}_[0-9a-f]+_\w+\.py$", name) for name in names), names
