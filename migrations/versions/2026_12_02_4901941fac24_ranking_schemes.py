"""Rankings as data (issue 17, item 4): a province's own weights of the criteria each level is ranked on,
and its own thresholds of the completion classes (fieldapp/models/rankings.py holds the defaults).
Row-level security on PostgreSQL by the province, with one more reading, as the targets have: a
commune's callers read their province's (they rank the commune's teams and people), and write none.

Revision ID: 4901941fac24
Revises: 4bd350446d24
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '4901941fac24'
down_revision = '4bd350446d24'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def _common(table: str):
    return [
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f(f'fk_{table}_unit_code_units')),
        sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f(f'fk_{table}_entered_by_users')),
    ]


def upgrade():
    op.create_table(
        'ranking_weights',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('criterion', sa.String(length=48), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        *_common('ranking_weights'),
        sa.PrimaryKeyConstraint('unit_code', 'level', 'criterion', name=op.f('pk_ranking_weights')),
    )
    op.create_table(
        'ranking_thresholds',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('class_code', sa.String(length=16), nullable=False),
        sa.Column('min_score', sa.Float(), nullable=False),
        *_common('ranking_thresholds'),
        sa.PrimaryKeyConstraint('unit_code', 'level', 'class_code', name=op.f('pk_ranking_thresholds')),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in ('ranking_weights', 'ranking_thresholds'):
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY area ON {table} USING {_in_area('unit_code')} "
                       f"WITH CHECK {_in_area('unit_code')}")
            op.execute(f"CREATE POLICY province_of_area ON {table} FOR SELECT USING (unit_code IN "
                       "(SELECT parent_code FROM units WHERE code = ANY ((SELECT string_to_array("
                       "current_setting('fieldapp.area', true), ','))::text[])))")


def downgrade():
    op.drop_table('ranking_thresholds')
    op.drop_table('ranking_weights')
