"""Visits carry a verdict, judged by the same rule as check-ins.

A visit dated in the future was kept with a flag and still marked its household visited, while a
check-in with the same time was rejected: one rule for both now (``verified``,
``accepted_with_flags``, ``rejected``). Existing visits get the verdict their flags give: rejected
for a time in the future (the only reason a visit had), flagged for any other flag.

Revision ID: f860bd5cc2e1
Revises: d4e7a9c1b3f2
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f860bd5cc2e1'
down_revision = 'd4e7a9c1b3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdict', sa.String(length=24), nullable=False, server_default='verified'))
    flags = "CAST(flags AS TEXT)"
    op.execute(f"UPDATE visits SET verdict = 'rejected' WHERE {flags} LIKE '%\"future_scan\"%'")
    op.execute(f"UPDATE visits SET verdict = 'accepted_with_flags' WHERE verdict = 'verified' "
               f"AND {flags} NOT IN ('[]', '')")


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('verdict')
