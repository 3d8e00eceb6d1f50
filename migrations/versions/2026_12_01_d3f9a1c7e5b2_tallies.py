"""The indicators' roll-ups (issue 17): counters of people, households, support records, visits and unique
people reached, kept exact by the write path (fieldapp/models/tallies.py), and the tables that say
which counter each person, household and reached person is in.

Created empty, and never filled here: the rule of what is counted lives in the app, which changes, and a
migration must not run tomorrow's code against yesterday's tables. A database that already holds
records is filled once after upgrading with ``fieldapp tallies rebuild`` (README, "Upgrading"); until
then the indicators refuse to answer for an area whose people are not tallied (``indicators.not_built``)
rather than show zeros. Row-level security on PostgreSQL as every commune-scoped table.

Revision ID: d3f9a1c7e5b2
Revises: b7e2c4a91d06
Create Date: 2026-12-01 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd3f9a1c7e5b2'
down_revision = 'b7e2c4a91d06'
branch_labels = None
depends_on = None

TABLES = ("person_tallies", "person_tally_keys", "household_tallies", "household_tally_keys", "support_tallies",
          "support_reach", "reach_tallies", "visit_tallies")


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'person_tallies',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('sex', sa.String(length=8), nullable=False),
        sa.Column('birth_year', sa.SmallInteger(), nullable=False),
        sa.Column('groups', sa.SmallInteger(), nullable=False),
        sa.Column('priority', sa.SmallInteger(), nullable=False),
        sa.Column('facts', sa.SmallInteger(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('commune_code', 'village_id', 'sex', 'birth_year', 'groups', 'priority', 'facts',
                                name=op.f('pk_person_tallies')),
    )
    op.create_table(
        'person_tally_keys',
        sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('sex', sa.String(length=8), nullable=False),
        sa.Column('birth_year', sa.SmallInteger(), nullable=False),
        sa.Column('groups', sa.SmallInteger(), nullable=False),
        sa.Column('priority', sa.SmallInteger(), nullable=False),
        sa.Column('facts', sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_tally_keys')),
    )
    op.create_index(op.f('ix_person_tally_keys_commune_code'), 'person_tally_keys', ['commune_code'])
    op.create_table(
        'household_tallies',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('flags', sa.SmallInteger(), nullable=False),
        sa.Column('households', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('commune_code', 'village_id', 'flags', name=op.f('pk_household_tallies')),
    )
    op.create_table(
        'household_tally_keys',
        sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('flags', sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_tally_keys')),
    )
    op.create_index(op.f('ix_household_tally_keys_commune_code'), 'household_tally_keys', ['commune_code'])
    op.create_table(
        'support_tallies',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('skill', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('commune_code', 'village_id', 'day', 'skill', 'channel', 'status',
                                name=op.f('pk_support_tallies')),
    )
    op.create_table(
        'support_reach',
        sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', 'period', name=op.f('pk_support_reach')),
    )
    op.create_index(op.f('ix_support_reach_commune_code'), 'support_reach', ['commune_code'])
    op.create_table(
        'reach_tallies',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('commune_code', 'village_id', 'period', name=op.f('pk_reach_tallies')),
    )
    op.create_table(
        'visit_tallies',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('proof', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('commune_code', 'day', 'proof', 'status', name=op.f('pk_visit_tallies')),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY area ON {table} USING {_in_area('commune_code')} "
                       f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
