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
    import re
    from pathlib import Path

    names = [p.name for p in (Path(__file__).parents[1] / "migrations" / "versions").glob("*.py")]
    assert names
    assert all(re.match(r"^\d{4}_\d{2}_\d{2}_[0-9a-f]+_\w+\.py$", name) for name in names), names


def test_a_landed_migration_never_changes():
    """A migration, once it landed, is history: databases were built by it as it was. migrations/landed.sha256
    holds the digest of each (a new migration is added to it when it lands: `sha256sum NAME >> ...`)."""
    import hashlib
    from pathlib import Path

    versions = Path(__file__).parents[1] / "migrations" / "versions"
    landed = dict(reversed(line.split()) for line in (versions.parent / "landed.sha256").read_text().splitlines()
                  if line.strip())
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in versions.glob("*.py")}
    changed = sorted(name for name, digest in landed.items() if files.get(name) != digest)
    unrecorded = sorted(set(files) - set(landed))
    assert not changed, f"landed migrations changed or removed (write a new migration instead): {changed}"
    assert not unrecorded, ("migrations not in migrations/landed.sha256: add them "
                            f"(cd migrations/versions && sha256sum {' '.join(unrecorded)} >> ../landed.sha256)")
