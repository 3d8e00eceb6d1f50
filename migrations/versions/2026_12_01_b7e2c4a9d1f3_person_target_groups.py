"""The plans' four target groups on each person: one boolean per group, with a partial index per group.

``group_public_staff``, ``group_pupils_students``, ``group_enterprise_workers``, ``group_residents`` on
``persons`` (fieldapp.models.persons ``TargetGroup``, ``target_group_column``), false for every existing
person: nobody's group was recorded before, and none is guessed. ``ix_persons_group_*`` index the
commune of the people in each group, for counts by group and commune. The columns are the person's own:
the table's row-level security, version and sync stamp cover them.

Revision ID: b7e2c4a9d1f3
Revises: c5d1f0a27e93
Create Date: 2026-12-01 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e2c4a9d1f3'
down_revision = 'c5d1f0a27e93'
branch_labels = None
depends_on = None

GROUPS = ('public_staff', 'pupils_students', 'enterprise_workers', 'residents')


def upgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        for group in GROUPS:
            batch_op.add_column(sa.Column(f'group_{group}', sa.Boolean(), nullable=False, server_default=sa.false()))
    for group in GROUPS:
        op.create_index(f'ix_persons_group_{group}', 'persons', ['commune_code'], unique=False,
                        postgresql_where=sa.text(f'group_{group}'), sqlite_where=sa.text(f'group_{group}'))


def downgrade():
    for group in GROUPS:
        op.drop_index(f'ix_persons_group_{group}', table_name='persons')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        for group in GROUPS:
            batch_op.drop_column(f'group_{group}')
