"""Learning sessions, check-ins, door-to-door visits, support records, session attendees.

Revision ID: 1afb714242b3
Revises: 82f4db388fb9
Create Date: 2026-11-23 03:11:14.506949
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2  # noqa: F401  (registers the geospatial operations)
from geoalchemy2 import Geometry

revision = '1afb714242b3'
down_revision = '82f4db388fb9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_geospatial_table('learning_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('weekly_class', 'elderly_class', 'disability_class', 'market_4t_class', 'one_stop_desk', 'learning_day', 'other', name='sessionkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('venue_name', sa.String(length=200), nullable=False),
    sa.Column('venue', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_learning_sessions_commune_code_units')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_learning_sessions_created_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_learning_sessions_team_id_teams')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_learning_sessions_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_sessions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_learning_sessions_public_id'))
    )
    with op.batch_alter_table('learning_sessions', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_learning_sessions_venue', ['venue'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_learning_sessions_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_sessions_team_id'), ['team_id'], unique=False)

    op.create_geospatial_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('key_id', sa.String(length=16), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('mock_location', sa.Boolean(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('verdict', sa.Enum('verified', 'accepted_with_flags', 'rejected', name='verdict', native_enum=False, length=24), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_checkins_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_checkins_person_id_persons')),
    sa.ForeignKeyConstraint(['session_id'], ['learning_sessions.id'], name=op.f('fk_checkins_session_id_learning_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('client_id', name=op.f('uq_checkins_client_id'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkins_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_checkins_session_user', ['session_id', 'user_id'], unique=True, postgresql_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"), sqlite_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"))

    op.create_table('session_attendees',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_session_attendees_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_session_attendees_recorded_by_users')),
    sa.ForeignKeyConstraint(['session_id'], ['learning_sessions.id'], name=op.f('fk_session_attendees_session_id_learning_sessions')),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_session_attendees'))
    )
    op.create_table('support_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.Enum('online_public_services', 'online_shopping', 'cashless_payment', 'online_safety', 'local_digital_platforms', 'vneid_level2', 'digital_bank_account', 'online_documents', 'digital_signature', 'vneid_programme_confirmed', name='skill', native_enum=False, length=32), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.Enum('visit', 'session', 'mentoring', 'import', 'other', name='evidencekind', native_enum=False, length=16), nullable=False),
    sa.Column('source_id', sa.String(length=32), nullable=False),
    sa.Column('supported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proof', sa.String(length=16), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['helper_id'], ['users.id'], name=op.f('fk_support_records_helper_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_support_records_person_id_persons')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_support_records_team_id_teams')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_support_records_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_records'))
    )
    with op.batch_alter_table('support_records', schema=None) as batch_op:
        batch_op.create_index('ix_support_records_commune_time', ['commune_code', 'supported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_records_helper_id'), ['helper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_records_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_records_team_id'), ['team_id'], unique=False)

    op.create_geospatial_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('outcome', sa.Enum('supported', 'nobody_home', 'refused', 'come_back_later', name='visitoutcome', native_enum=False, length=24), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_visits_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['users.id'], name=op.f('fk_visits_volunteer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('client_id', name=op.f('uq_visits_client_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_visits_public_id'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_volunteer_id'), ['volunteer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_visits_household_id'))
        batch_op.drop_index(batch_op.f('ix_visits_commune_code'))

    op.drop_geospatial_table('visits')
    with op.batch_alter_table('support_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_records_team_id'))
        batch_op.drop_index(batch_op.f('ix_support_records_person_id'))
        batch_op.drop_index(batch_op.f('ix_support_records_helper_id'))
        batch_op.drop_index('ix_support_records_commune_time')

    op.drop_table('support_records')
    op.drop_table('session_attendees')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('uq_checkins_session_user', postgresql_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"), sqlite_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"))
        batch_op.drop_index(batch_op.f('ix_checkins_user_id'))
        batch_op.drop_index(batch_op.f('ix_checkins_household_id'))
        batch_op.drop_index(batch_op.f('ix_checkins_commune_code'))

    op.drop_geospatial_table('checkins')
    with op.batch_alter_table('learning_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_sessions_team_id'))
        batch_op.drop_index(batch_op.f('ix_learning_sessions_commune_code'))
        batch_op.drop_geospatial_index('idx_learning_sessions_venue', postgresql_using='gist', column_name='venue')

    op.drop_geospatial_table('learning_sessions')
