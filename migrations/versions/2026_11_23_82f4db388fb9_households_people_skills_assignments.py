"""Households, people and their skills, assignments of households to volunteers.

Revision ID: 82f4db388fb9
Revises: 80ec4e1f6fc1
Create Date: 2026-11-23 02:58:46.894345
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2  # noqa: F401  (registers the geospatial operations)
from geoalchemy2 import Geometry

revision = '82f4db388fb9'
down_revision = '80ec4e1f6fc1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_geospatial_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('is_poor', sa.Boolean(), nullable=False),
    sa.Column('is_ethnic_minority', sa.Boolean(), nullable=False),
    sa.Column('is_remote', sa.Boolean(), nullable=False),
    sa.Column('digital_family_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_households_commune_code_units')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_households_created_by_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_households_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('public_id', name=op.f('uq_households_public_id'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_households_location', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_households_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_village_id'), ['village_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], name=op.f('fk_assignments_assigned_by_users')),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_assignments_ended_by_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_assignments_household_id_households')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_assignments_team_id_teams')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['users.id'], name=op.f('fk_assignments_volunteer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_active_volunteer', ['volunteer_id'], unique=False, postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_assignments_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_team_id'), ['team_id'], unique=False)
        batch_op.create_index('uq_assignments_active_household', ['household_id'], unique=True, postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('name_folded', sa.String(length=200), nullable=False),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('sex', sa.Enum('male', 'female', 'other', name='sex', native_enum=False, length=8), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('has_disability', sa.Boolean(), nullable=False),
    sa.Column('is_ethnic_minority', sa.Boolean(), nullable=False),
    sa.Column('citizen_id_hash', sa.String(length=64), nullable=True),
    sa.Column('consent_collected_by', sa.Integer(), nullable=True),
    sa.Column('consent_collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_purpose', sa.String(length=200), nullable=True),
    sa.Column('consent_notice_version', sa.String(length=32), nullable=True),
    sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_persons_commune_code_units')),
    sa.ForeignKeyConstraint(['consent_collected_by'], ['users.id'], name=op.f('fk_persons_consent_collected_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_persons_created_by_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_persons_household_id_households')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_persons_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('public_id', name=op.f('uq_persons_public_id'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_citizen_id_hash'), ['citizen_id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_persons_village_name_year', ['village_id', 'name_folded', 'birth_year'], unique=False)
        batch_op.create_index('uq_persons_household_head', ['household_id'], unique=True, postgresql_where=sa.text('is_head'), sqlite_where=sa.text('is_head'))

    op.create_table('person_skills',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.Enum('online_public_services', 'online_shopping', 'cashless_payment', 'online_safety', 'local_digital_platforms', 'vneid_level2', 'digital_bank_account', 'online_documents', 'digital_signature', 'vneid_programme_confirmed', name='skill', native_enum=False, length=32), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evidence_kind', sa.Enum('visit', 'session', 'mentoring', 'import', 'other', name='evidencekind', native_enum=False, length=16), nullable=False),
    sa.Column('evidence_ref', sa.String(length=64), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_skills_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_person_skills_recorded_by_users')),
    sa.PrimaryKeyConstraint('person_id', 'skill', name=op.f('pk_person_skills'))
    )
    op.create_table('skill_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.Enum('online_public_services', 'online_shopping', 'cashless_payment', 'online_safety', 'local_digital_platforms', 'vneid_level2', 'digital_bank_account', 'online_documents', 'digital_signature', 'vneid_programme_confirmed', name='skill', native_enum=False, length=32), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evidence_kind', sa.Enum('visit', 'session', 'mentoring', 'import', 'other', name='evidencekind', native_enum=False, length=16), nullable=False),
    sa.Column('evidence_ref', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_skill_events_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_skill_events_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_events'))
    )
    with op.batch_alter_table('skill_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_events_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('skill_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_events_person_id'))

    op.drop_table('skill_events')
    op.drop_table('person_skills')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('uq_persons_household_head', postgresql_where=sa.text('is_head'), sqlite_where=sa.text('is_head'))
        batch_op.drop_index('ix_persons_village_name_year')
        batch_op.drop_index(batch_op.f('ix_persons_household_id'))
        batch_op.drop_index(batch_op.f('ix_persons_commune_code'))
        batch_op.drop_index(batch_op.f('ix_persons_citizen_id_hash'))

    op.drop_table('persons')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_active_household', postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_assignments_team_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_household_id'))
        batch_op.drop_index('ix_assignments_active_volunteer', postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))

    op.drop_table('assignments')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_village_id'))
        batch_op.drop_index(batch_op.f('ix_households_commune_code'))
        batch_op.drop_geospatial_index('idx_households_location', postgresql_using='gist', column_name='location')

    op.drop_geospatial_table('households')
