"""Erasure of a person's data on request: when it happened.

Revision ID: 8eb964ecffdf
Revises: 1afb714242b3
Create Date: 2026-11-23 03:31:42.424624
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2  # noqa: F401  (registers the geospatial operations)


revision = '8eb964ecffdf'
down_revision = '1afb714242b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

