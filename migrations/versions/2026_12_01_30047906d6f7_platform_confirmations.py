"""The national platform's confirmations kept whole: ``platform_confirmations`` (issue 16, item 4).

One row per confirmation an import granted: the person, the date, the course or programme and its
level as the platform's list names them (the import parsed them and kept neither), the file's SHA-256
and the row's line (the source), who imported it and when, and the person's commune (row-level
security on PostgreSQL, as every commune-scoped table). Confirmations imported before this have no
row: their skill keeps its date and its ``platform:<digest>:<line>`` reference, and shows no course.

Revision ID: 30047906d6f7
Revises: 79d90f4a8cbc
Create Date: 2026-12-01 15:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '30047906d6f7'
down_revision = '79d90f4a8cbc'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'platform_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('confirmed_on', sa.Date(), nullable=False),
        sa.Column('course', sa.String(length=200), nullable=True),
        sa.Column('level', sa.String(length=64), nullable=True),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('imported_by', sa.Integer(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_platform_confirmations_person_id_persons')),
        sa.ForeignKeyConstraint(['commune_code'], ['units.code'],
                                name=op.f('fk_platform_confirmations_commune_code_units')),
        sa.ForeignKeyConstraint(['imported_by'], ['users.id'],
                                name=op.f('fk_platform_confirmations_imported_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_confirmations')),
    )
    with op.batch_alter_table('platform_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_confirmations_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_confirmations_commune_code'), ['commune_code'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE platform_confirmations ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON platform_confirmations USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    op.drop_table('platform_confirmations')
