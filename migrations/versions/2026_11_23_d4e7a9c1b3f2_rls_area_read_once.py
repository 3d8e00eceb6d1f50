"""Row-level security: the caller's area is read once per statement, not once per row.

The policies of 3c9e1f7a5b20 tested ``commune_code = ANY (string_to_array(current_setting(...), ','))``:
PostgreSQL evaluated the setting and split it again for every row it looked at (a stable function is
not folded into a constant). Wrapped in uncorrelated scalar subqueries, both become InitPlans, run
once per statement and then compared as parameters. Same rows pass, same rows are refused: only the
cost changes (200,000 rows filtered: 115-155 ms before, 39-45 ms after, measured in psql). It is
felt wherever a statement reads many rows under the policies (lists, counts, exports), and where
the planner hashes a parent's policy (a child table's ``EXISTS``) over the whole parent table.

Revision ID: d4e7a9c1b3f2
Revises: c0a5e1d2b7f4
Create Date: 2026-11-23 07:10:00
"""
from alembic import op

revision = 'd4e7a9c1b3f2'
down_revision = 'c0a5e1d2b7f4'
branch_labels = None
depends_on = None

#: The tables of 3c9e1f7a5b20 whose policy tests a column of their own (the child tables' policies
#: look through their parent's, which this changes too).
AREA_COLUMNS = {
    "villages": "commune_code", "households": "commune_code", "persons": "commune_code",
    "teams": "commune_code", "learning_sessions": "commune_code", "checkins": "commune_code",
    "visits": "commune_code", "support_records": "commune_code", "ambassadors": "commune_code",
    "mentorships": "commune_code",
    "activity_entries": "log_unit", "activity_queue": "log_unit", "activity_leaves": "log_unit",
    "activity_nodes": "log_unit", "activity_checkpoints": "log_unit",
}


def in_area_once(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def in_area_per_row(column: str) -> str:
    """3c9e1f7a5b20's test, for the downgrade."""
    return (f"(current_setting('fieldapp.area', true) = '*' OR "
            f"{column} = ANY (string_to_array(current_setting('fieldapp.area', true), ',')))")


def _alter(test) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in AREA_COLUMNS.items():
        op.execute(f"ALTER POLICY area ON {table} USING {test(column)} WITH CHECK {test(column)}")


def upgrade():
    _alter(in_area_once)


def downgrade():
    _alter(in_area_per_row)
