"""Console sessions: an auth token says what it opens, the JSON API or the commune console.

A console session is a row of ``auth_tokens`` like a bearer token (stored as SHA-256, expiring,
revoked on sign-out, dead with a disabled account), kept apart by ``kind`` so that the id a browser
holds in its cookie is never accepted as a bearer token, nor the reverse. Existing tokens are API
tokens.

Revision ID: c0a5e1d2b7f4
Revises: 3c9e1f7a5b20
Create Date: 2026-11-23 05:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'c0a5e1d2b7f4'
down_revision = '3c9e1f7a5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('api', 'console', name='tokenkind', native_enum=False,
                                                      length=8), server_default='api', nullable=False))


def downgrade():
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_column('kind')
