"""Throwaway PostgreSQL databases for a test run or a benchmark."""
from __future__ import annotations

import uuid

import sqlalchemy as sa


def create_database(base_url: str, label: str) -> str:
    """A new empty database on ``base_url``'s server; return its URL.

    ``?template=NAME`` in the URL copies a template that already has PostGIS (made by
    ``scripts/postgres-ready``), so the role needs no superuser rights.
    """
    url = sa.make_url(base_url)
    template = url.query.get("template")
    url = url.difference_update_query(["template"])
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url_text: str) -> None:
    url = sa.make_url(url_text)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def runtime_role(url_text: str) -> str:
    """The role the API acts as in PostgreSQL test runs: it does not own the tables, so row-level
    security applies to it (issue 7). Made once per server; the test login may SET ROLE to it."""
    url = sa.make_url(url_text)
    role = f"{url.username}_runtime"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            conn.execute(sa.text(f"DO $$ BEGIN CREATE ROLE \"{role}\" NOLOGIN; "
                                 f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        conn.execute(sa.text(f'GRANT "{role}" TO "{url.username}"'))
    engine.dispose()
    return role


def runtime_role_grant(url_text: str, role: str) -> None:
    """Give the runtime role its privileges on the (migrated) database, as the owner."""
    from fieldapp.database import grant_app_role

    engine = sa.create_engine(sa.make_url(url_text))
    with engine.begin() as conn:
        grant_app_role(conn, role)
    engine.dispose()
