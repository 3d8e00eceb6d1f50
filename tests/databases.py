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
