"""Population figures: per unit (commune or province), year and measure, a value with its source.

``population_figures`` (fieldapp.models.population), keyed by unit, year and measure (adults,
citizens_from_16, households, pupils, workers, public_staff); on PostgreSQL row-level security on
``unit_code``, whose area setting holds a province's own code beside its communes'. New: no row moves.

Revision ID: e4a8b2d6c0f1
Revises: b7e2c4a9d1f3
Create Date: 2026-12-01 14:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4a8b2d6c0f1'
down_revision = 'b7e2c4a9d1f3'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'population_figures',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=False),
        sa.Column('measure', sa.Enum('adults', 'citizens_from_16', 'households', 'pupils', 'workers', 'public_staff',
                                     name='populationmeasure', native_enum=False, length=24), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_population_figures_entered_by_users')),
        sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_population_figures_unit_code_units')),
        sa.PrimaryKeyConstraint('unit_code', 'year', 'measure', name=op.f('pk_population_figures')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE population_figures ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON population_figures USING {_in_area('unit_code')} "
                   f"WITH CHECK {_in_area('unit_code')}")


def downgrade():
    op.drop_table('population_figures')
