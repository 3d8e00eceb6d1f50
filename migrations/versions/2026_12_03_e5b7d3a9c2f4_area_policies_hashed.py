"""Row-level security tests the caller's area as a hashed set (PostgreSQL): every policy that read
``column = ANY (the area's codes as an array)`` reads ``column IN (SELECT unnest(the array))``. The
meaning is the same; the cost is not: ``= ANY`` of an array computed at run time compares each row
with each code in turn, so a province's hundred communes made every row of a roll-up scan cost a
hundred comparisons (a province's indicators spent more in the policy than in the query); ``IN
(SELECT ...)`` is a hashed subplan, one lookup a row (bench/indicators.py, bench/RESULTS.md).

Policies are rewritten from ``pg_policies`` as the server prints them, each one whose text has the
array form; a policy written later uses the hashed form itself (``in_area`` below, for new migrations).

Revision ID: e5b7d3a9c2f4
Revises: a7f1c3e9d5b8
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5b7d3a9c2f4'
down_revision = 'a7f1c3e9d5b8'
branch_labels = None
depends_on = None

#: The array form, as PostgreSQL 15 prints a policy's expression, and the hashed set it becomes.
ARRAY_FORM = ("= ANY (( SELECT string_to_array(current_setting('fieldapp.area'::text, true), ','::text) "
              "AS string_to_array)::text[])")
SET_FORM = "IN ( SELECT unnest(string_to_array(current_setting('fieldapp.area'::text, true), ','::text)) AS unnest)"


def in_area(column: str) -> str:
    """A policy's test of a row's area, for migrations from this one on."""
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR {column} IN "
            f"(SELECT unnest(string_to_array(current_setting('fieldapp.area', true), ','))))")


def _rewrite(old: str, new: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT tablename, policyname, qual, with_check FROM pg_policies "
                                "WHERE schemaname = current_schema()")).all()
    for table, name, qual, check in rows:
        if old not in (qual or "") and old not in (check or ""):
            continue
        clauses = []
        if qual is not None:
            clauses.append(f"USING ({qual.replace(old, new)})")
        if check is not None:
            clauses.append(f"WITH CHECK ({check.replace(old, new)})")
        op.execute(f'ALTER POLICY "{name}" ON "{table}" ' + " ".join(clauses))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(ARRAY_FORM, SET_FORM)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(SET_FORM, ARRAY_FORM)
