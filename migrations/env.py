"""Alembic environment: the app's engine and metadata, GeoAlchemy2's spatial helpers."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

from fieldapp.database import migration_include_object

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)


def _configure(connection):
    db = current_app.extensions["migrate"].db
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        include_object=migration_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )


def _sqlite_pragma(connection, pragma: str) -> None:
    # On the driver's connection: through SQLAlchemy the pragma would run inside the BEGIN IMMEDIATE
    # that fieldapp.database opens for every transaction, where SQLite ignores it.
    if connection.in_transaction():
        connection.commit()
    connection.connection.driver_connection.execute(f"PRAGMA {pragma}")


def run_migrations_online():
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        acting_as_runtime_role = connection.dialect.name == "postgresql" and current_app.config.get("DATABASE_ROLE")
        if acting_as_runtime_role:
            # The API acts as DATABASE_ROLE, which may not change the schema; migrations run as the
            # login that owns the tables, and this connection is not handed back to the pool.
            connection.exec_driver_sql("RESET ROLE")
            connection.commit()
        # SQLite rebuilds a table to drop or alter a column (batch mode); with foreign keys enforced
        # the rebuild of a table that others reference fails. Alembic's advice: switch them off for
        # the migration (the pragma is ignored inside a transaction, so before it), then check that
        # every reference still holds, and switch them back on.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(connection, "foreign_keys = OFF")
        try:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"a migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_pragma(connection, "foreign_keys = ON")
            if acting_as_runtime_role:
                connection.invalidate()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `fieldapp db upgrade`")
run_migrations_online()
