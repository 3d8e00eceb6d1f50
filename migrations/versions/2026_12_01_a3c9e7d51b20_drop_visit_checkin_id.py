"""Drop visits.checkin_id: never written nor read.

A visit proves presence by the plate scan carried in its own body (``plate``, judged in
``services/visits.py``), not by a separate check-in row; the column was left from an early design
and every row holds NULL.

Revision ID: a3c9e7d51b20
Revises: fdb625ee044a
Create Date: 2026-12-01 12:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c9e7d51b20'
down_revision = 'fdb625ee044a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('checkin_id')


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_id', sa.Integer(), sa.ForeignKey('checkins.id'), nullable=True))
