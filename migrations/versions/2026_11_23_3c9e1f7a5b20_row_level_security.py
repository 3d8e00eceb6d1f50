"""Row-level security on PostgreSQL: commune-scoped rows visible only inside the caller's area.

The second wall of issue 7. The API sets ``fieldapp.area`` in every transaction: ``*``, or the
codes of the units the caller's area holds, comma-separated (a commune; a province and its
communes); see ``fieldapp.auth.row_security``. A role that does not own the tables
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



def in_area(column: str) -> str:
    """The policy's test, inline: a function call per row (and a lookup of the province's communes
    in it) cost more than the queries it guarded. The app puts the commune codes in the setting."""
    return (f"(current_setting('fieldapp.area', true) = '*' OR "
            f"{column} = ANY (string_to_array(current_setting('fieldapp.area', true), ',')))")


IDS_IN_BOX = """
CREATE FUNCTION fieldapp_ids_in_box(table_name text, column_name text,
                                    west float8, south float8, east float8, north float8)
RETURNS SETOF integer LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT id FROM %I WHERE %I && ST_MakeEnvelope($1, $2, $3, $4, 4326)',
                              table_name, column_name) USING west, south, east, north;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(IDS_IN_BOX)
    for table, column in COMMUNE_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING {in_area(column)} WITH CHECK {in_area(column)}")
    for table, (parent, column) in CHILD_TABLES.items():
        parent_visible = f"EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {table}.{column})"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING ({parent_visible}) WITH CHECK ({parent_visible})")
    for table in LOG_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON {table} USING {in_area('log_unit')} WITH CHECK {in_area('log_unit')}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*COMMUNE_TABLES, *CHILD_TABLES, *LOG_TABLES):
        op.execute(f"DROP POLICY area ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION fieldapp_ids_in_box(text, text, float8, float8, float8, float8)")
