"""Organisations and their members: agencies, public-service units, schools, universities, enterprises,
cooperatives (issue 16, item 2).

``organisations`` is held by a commune or a province (``unit_code``); ``organisation_members`` carries
the member's commune. Both get row-level security on PostgreSQL, as every commune-scoped table: an
organisation is seen in its unit's area (a province's own code is in its officers' area), a membership
in its person's commune's.

Revision ID: b7e2c4a91d06
Revises: e4a8b2d6c0f1
Create Date: 2026-12-01 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e2c4a91d06'
down_revision = 'e4a8b2d6c0f1'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'organisations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.Enum('agency', 'public_service_unit', 'school', 'university', 'enterprise',
                                  'cooperative', name='organisationkind', native_enum=False, length=32),
                  nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('focal_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_organisations_unit_code_units')),
        sa.ForeignKeyConstraint(['focal_user_id'], ['users.id'], name=op.f('fk_organisations_focal_user_id_users')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_organisations_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
        sa.UniqueConstraint('code', name=op.f('uq_organisations_code')),
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_focal_user_id'), ['focal_user_id'], unique=False)
    op.create_table(
        'organisation_members',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum('staff', 'pupil', 'worker', name='memberrole', native_enum=False, length=16),
                  nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_members_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_organisation_members_person_id_persons')),
        sa.ForeignKeyConstraint(['commune_code'], ['units.code'],
                                name=op.f('fk_organisation_members_commune_code_units')),
        sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_organisation_members_added_by_users')),
        sa.PrimaryKeyConstraint('organisation_id', 'person_id', name=op.f('pk_organisation_members')),
    )
    with op.batch_alter_table('organisation_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_members_commune_code'), ['commune_code'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, column in (("organisations", "unit_code"), ("organisation_members", "commune_code")):
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY area ON {table} USING {_in_area(column)} WITH CHECK {_in_area(column)}")


def downgrade():
    op.drop_table('organisation_members')
    op.drop_table('organisations')
