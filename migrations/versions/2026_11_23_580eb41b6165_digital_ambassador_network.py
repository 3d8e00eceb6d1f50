"""Digital Ambassador network: ambassadors, mentorships and their skills, mentoring interactions.

One active mentor per mentee is held by two partial unique indexes (``status = 'active'``, one on
each kind of mentee); the CHECK constraints hold "exactly one mentee", "no volunteer mentors
themselves" and "ended exactly when not active".

Revision ID: 580eb41b6165
Revises: 8eb964ecffdf
Create Date: 2026-11-23 03:14:43.938824
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2  # noqa: F401  (registers the geospatial operations)
from geoalchemy2 import Geometry

revision = '580eb41b6165'
down_revision = '8eb964ecffdf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ambassadors',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('origin', sa.Enum('youth_union', 'womens_union', 'school', 'enterprise', 'officials', 'other', name='ambassadororigin', native_enum=False, length=16), nullable=False),
    sa.Column('appointed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appointed_by', sa.Integer(), nullable=True),
    sa.Column('promoted_from_person_id', sa.Integer(), nullable=True),
    sa.Column('trained_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appointed_by'], ['users.id'], name=op.f('fk_ambassadors_appointed_by_users')),
    sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_ambassadors_commune_code_units')),
    sa.ForeignKeyConstraint(['promoted_from_person_id'], ['persons.id'], name=op.f('fk_ambassadors_promoted_from_person_id_persons')),
    sa.ForeignKeyConstraint(['trained_by_user_id'], ['users.id'], name=op.f('fk_ambassadors_trained_by_user_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ambassadors_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_ambassadors')),
    sa.UniqueConstraint('promoted_from_person_id', name=op.f('uq_ambassadors_promoted_from_person_id'))
    )
    with op.batch_alter_table('ambassadors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ambassadors_commune_code'), ['commune_code'], unique=False)

    op.create_table('mentorships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('mentor_user_id', sa.Integer(), nullable=False),
    sa.Column('mentee_person_id', sa.Integer(), nullable=True),
    sa.Column('mentee_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('active', 'completed', 'dropped', name='mentorshipstatus', native_enum=False, length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'active') = (ended_at IS NULL)", name=op.f('ck_mentorships_ended_unless_active')),
    sa.CheckConstraint('(mentee_person_id IS NULL) <> (mentee_user_id IS NULL)', name=op.f('ck_mentorships_one_mentee')),
    sa.CheckConstraint('mentee_user_id IS NULL OR mentee_user_id <> mentor_user_id', name=op.f('ck_mentorships_not_self')),
    sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_mentorships_commune_code_units')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_mentorships_created_by_users')),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_mentorships_ended_by_users')),
    sa.ForeignKeyConstraint(['mentee_person_id'], ['persons.id'], name=op.f('fk_mentorships_mentee_person_id_persons')),
    sa.ForeignKeyConstraint(['mentee_user_id'], ['users.id'], name=op.f('fk_mentorships_mentee_user_id_users')),
    sa.ForeignKeyConstraint(['mentor_user_id'], ['ambassadors.user_id'], name=op.f('fk_mentorships_mentor_user_id_ambassadors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorships')),
    sa.UniqueConstraint('public_id', name=op.f('uq_mentorships_public_id'))
    )
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentorships_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentorships_mentee_person_id'), ['mentee_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentorships_mentee_user_id'), ['mentee_user_id'], unique=False)
        batch_op.create_index('ix_mentorships_mentor_status', ['mentor_user_id', 'status'], unique=False)
        batch_op.create_index('uq_mentorships_active_person', ['mentee_person_id'], unique=True, postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))
        batch_op.create_index('uq_mentorships_active_user', ['mentee_user_id'], unique=True, postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))

    op.create_geospatial_table('mentoring_interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('qr_scan', 'visit', 'session', 'in_person', name='interactionmethod', native_enum=False, length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('evidence_ref', sa.String(length=64), nullable=True),
    sa.Column('client_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_mentoring_interactions_mentorship_id_mentorships')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_mentoring_interactions_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_interactions')),
    sa.UniqueConstraint('client_id', name=op.f('uq_mentoring_interactions_client_id'))
    )
    with op.batch_alter_table('mentoring_interactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_interactions_mentorship_id'), ['mentorship_id'], unique=False)

    op.create_table('mentorship_skills',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.Enum('online_public_services', 'online_shopping', 'cashless_payment', 'online_safety', 'local_digital_platforms', 'vneid_level2', 'digital_bank_account', 'online_documents', 'digital_signature', 'vneid_programme_confirmed', name='skill', native_enum=False, length=32), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reached_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_mentorship_skills_mentorship_id_mentorships')),
    sa.ForeignKeyConstraint(['reached_by'], ['users.id'], name=op.f('fk_mentorship_skills_reached_by_users')),
    sa.PrimaryKeyConstraint('mentorship_id', 'skill', name=op.f('pk_mentorship_skills'))
    )


def downgrade():
    op.drop_table('mentorship_skills')
    with op.batch_alter_table('mentoring_interactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_interactions_mentorship_id'))

    op.drop_geospatial_table('mentoring_interactions')
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index('uq_mentorships_active_user', postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))
        batch_op.drop_index('uq_mentorships_active_person', postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_mentorships_mentor_status')
        batch_op.drop_index(batch_op.f('ix_mentorships_mentee_user_id'))
        batch_op.drop_index(batch_op.f('ix_mentorships_mentee_person_id'))
        batch_op.drop_index(batch_op.f('ix_mentorships_commune_code'))

    op.drop_table('mentorships')
    with op.batch_alter_table('ambassadors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ambassadors_commune_code'))

    op.drop_table('ambassadors')
