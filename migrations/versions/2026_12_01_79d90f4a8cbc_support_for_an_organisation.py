"""Support given on behalf of an organisation: ``support_records.organisation_id`` and
``session_attendees.organisation_id`` (issue 16, item 2: "hỗ trợ người dân, doanh nghiệp").

Both nullable: every existing record was support for the person themselves, and stays so. The list
filtered by organisation reads ``ix_support_records_organisation_commune`` (the organisation, within
the caller's communes).

On PostgreSQL a second read policy on ``organisations``: an organisation that a support record of the
reader's area names is visible to them, as the list's column of its code and name needs (a province's
agency named by a record of one of its communes; an enterprise of the next commune that a resident
works for). The records' own policy decides which records those are; the organisation stays writable
only in its area (the policy is ``FOR SELECT``), and the API's reads of organisations keep their
own scope clause (fieldapp.selectors.organisations), so nothing else about it is shown.

Revision ID: 79d90f4a8cbc
Revises: f1c3e5a7b9d2
Create Date: 2026-12-01 15:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '79d90f4a8cbc'
down_revision = 'f1c3e5a7b9d2'
branch_labels = None
depends_on = None

NAMED = ("CREATE POLICY named_by_support ON organisations FOR SELECT USING "
         "(EXISTS (SELECT 1 FROM support_records WHERE support_records.organisation_id = organisations.id))")


def upgrade():
    with op.batch_alter_table('support_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_support_records_organisation_id_organisations'),
                                    'organisations', ['organisation_id'], ['id'])
        batch_op.create_index('ix_support_records_organisation_commune', ['organisation_id', 'commune_code'],
                              unique=False)
    with op.batch_alter_table('session_attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_session_attendees_organisation_id_organisations'),
                                    'organisations', ['organisation_id'], ['id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NAMED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY named_by_support ON organisations")
    with op.batch_alter_table('session_attendees', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_session_attendees_organisation_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_column('organisation_id')
    with op.batch_alter_table('support_records', schema=None) as batch_op:
        batch_op.drop_index('ix_support_records_organisation_commune')
        batch_op.drop_constraint(batch_op.f('fk_support_records_organisation_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_column('organisation_id')
