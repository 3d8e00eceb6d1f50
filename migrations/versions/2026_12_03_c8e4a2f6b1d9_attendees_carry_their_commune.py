"""A session's attendees carry its commune (``session_attendees.commune_code``), and their row-level
security tests it directly instead of looking the session up for every row: a province's quarter
counts a hundred thousand attendances, and the lookup was most of its cost (bench/indicators.py). It
is also what a distributed table needs: the commune on every commune-scoped row (issue 19, Citus).

Revision ID: c8e4a2f6b1d9
Revises: e5b7d3a9c2f4
Create Date: 2026-12-03 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c8e4a2f6b1d9'
down_revision = 'e5b7d3a9c2f4'
branch_labels = None
depends_on = None

PARENT = "(EXISTS (SELECT 1 FROM learning_sessions WHERE learning_sessions.id = session_attendees.session_id))"


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR {column} IN "
            f"(SELECT unnest(string_to_array(current_setting('fieldapp.area', true), ','))))")


def upgrade():
    with op.batch_alter_table('session_attendees') as batch:
        #: The session's commune, copied when the attendee is recorded (a session never changes commune).
        batch.add_column(sa.Column('commune_code', sa.String(length=5), nullable=True))
    op.execute("UPDATE session_attendees SET commune_code = (SELECT commune_code FROM learning_sessions "
               "WHERE learning_sessions.id = session_attendees.session_id)")
    with op.batch_alter_table('session_attendees') as batch:
        batch.alter_column('commune_code', existing_type=sa.String(length=5), nullable=False)
        batch.create_foreign_key(op.f('fk_session_attendees_commune_code_units'), 'units', ['commune_code'], ['code'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY area ON session_attendees")
        op.execute(f"CREATE POLICY area ON session_attendees USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY area ON session_attendees")
        op.execute(f"CREATE POLICY area ON session_attendees USING {PARENT} WITH CHECK {PARENT}")
    with op.batch_alter_table('session_attendees') as batch:
        batch.drop_constraint(op.f('fk_session_attendees_commune_code_units'), type_='foreignkey')
        batch.drop_column('commune_code')
