"""Targets as data (issue 17): a province's or a commune's own target for an indicator in a year, a
share or a head count, with its source. Where a unit sets none, its province's applies, then the
plans' national default (fieldapp/models/indicators.py). Row-level security on PostgreSQL by the unit,
with one more reading: a commune's callers also read their province's targets (they apply to them),
and write only their own.

Revision ID: f1c3e5a7b9d2
Revises: d3f9a1c7e5b2
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f1c3e5a7b9d2'
down_revision = 'd3f9a1c7e5b2'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'indicator_targets',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=False),
        sa.Column('indicator', sa.String(length=48), nullable=False),
        sa.Column('share', sa.Float(), nullable=True),
        sa.Column('head_count', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_indicator_targets_unit_code_units')),
        sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_indicator_targets_entered_by_users')),
        sa.PrimaryKeyConstraint('unit_code', 'year', 'indicator', name=op.f('pk_indicator_targets')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE indicator_targets ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON indicator_targets USING {_in_area('unit_code')} "
                   f"WITH CHECK {_in_area('unit_code')}")
        op.execute("CREATE POLICY province_of_area ON indicator_targets FOR SELECT USING (unit_code IN "
                   "(SELECT parent_code FROM units WHERE code = ANY ((SELECT string_to_array("
                   "current_setting('fieldapp.area', true), ','))::text[])))")


def downgrade():
    op.drop_table('indicator_targets')
