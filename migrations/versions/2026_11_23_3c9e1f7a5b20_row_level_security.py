"""Row-level security on PostgreSQL: commune-scoped rows visible only inside the caller's area.

The second wall of issue 7. The API sets ``fieldapp.area`` in every transaction (``*``, a province
code or a commune code; see ``fieldapp.auth.row_security``). A role that does not own the tables
(the API's runtime role) sees and writes only rows whose commune lies in that area; with no area
set it sees nothing. Tables without a commune column are covered through their parent row (an
``EXISTS`` on the parent, which is itself filtered by its own policy). The activity log's tables are filtered on
their log's unit.
The owner (migrations, operators) is not subject to the policies: they are not forced on it.

SQLite has no row-level security: there the scope clauses of the queries are the only wall.

Revision ID: 3c9e1f7a5b20
Revises: 580eb41b6165
Create Date: 2026-11-23 05:10:00
"""
from alembic import op

revision = '3c9e1f7a5b20'
down_revision = '580eb41b6165'
branch_labels = None
depends_on = None

#: Tables with their own commune column.
COMMUNE_TABLES = {
    "villages": "commune_code", "households": "commune_code", "persons": "commune_code",
    "teams": "commune_code", "learning_sessions": "commune_code", "checkins": "commune_code",
    "visits": "commune_code", "support_records": "commune_code", "ambassadors": "commune_code",
    "mentorships": "commune_code",
}
#: Tables whose rows belong to a parent row's commune: (parent table, foreign key column).
CHILD_TABLES = {
    "person_skills": ("persons", "person_id"), "skill_events": ("persons", "person_id"),
    "assignments": ("households", "household_id"), "team_members": ("teams", "team_id"),
    "mentorship_skills": ("mentorships", "mentorship_id"),
    "mentoring_interactions": ("mentorships", "mentorship_id"),
    "session_attendees": ("learning_sessions", "session_id"),
}
#: The activity log's tables, one log per unit.
LOG_TABLES = ("activity_entries", "activity_queue", "activity_leaves", "activity_nodes", "activity_checkpoints")

AREA_FUNCTION = """
CREATE OR REPLACE FUNCTION fieldapp_in_area(unit text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE coalesce(current_setting('fieldapp.area', true), '')
    WHEN '' THEN false
    WHEN '*' THEN true
    ELSE unit = current_setting('fieldapp.area', true)
      OR EXISTS (SELECT 1 FROM units WHERE units.code = unit
                 AND units.parent_code = current_setting('fieldapp.area', true))
  END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(AREA_FUNCTION)
    for table, column in COMMUNE_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING (fieldapp_in_area({column})) "
                   f"WITH CHECK (fieldapp_in_area({column}))")
    for table, (parent, column) in CHILD_TABLES.items():
        parent_visible = f"EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {table}.{column})"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING ({parent_visible}) WITH CHECK ({parent_visible})")
    for table in LOG_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING (fieldapp_in_area(log_unit)) "
                   f"WITH CHECK (fieldapp_in_area(log_unit))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*COMMUNE_TABLES, *CHILD_TABLES, *LOG_TABLES):
        op.execute(f"DROP POLICY area ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION fieldapp_in_area(text)")
