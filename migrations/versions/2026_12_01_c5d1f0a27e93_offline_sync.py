"""Offline sync: the commit-order stamp of pulled rows, versions of correctable records, receipts.

``sync_tx`` on the tables phones pull (households, persons, assignments, learning_sessions,
signing_keys, evidence_reviews, team_members), indexed; ``version`` on households and persons; ``client_receipts``
for pushed items that make no row of their own; on SQLite the one-row ``sync_clock``. Existing rows
get stamp 0 (PostgreSQL) or 0 (SQLite): a first pull, from no cursor, reads them all
(fieldapp/models/sync.py, mobile_contract/sync.md).

Revision ID: c5d1f0a27e93
Revises: a3c9e7d51b20
Create Date: 2026-12-01 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c5d1f0a27e93'
down_revision = 'a3c9e7d51b20'
branch_labels = None
depends_on = None

STAMPED = ('households', 'persons', 'assignments', 'learning_sessions', 'signing_keys', 'evidence_reviews',
           'team_members')
VERSIONED = ('households', 'persons')


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    for table in STAMPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sync_tx', sa.BigInteger(), nullable=True))
            if table in VERSIONED:
                batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))
        op.execute(f"UPDATE {table} SET sync_tx = 0")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_sync_tx'), ['sync_tx'], unique=False)
    op.create_table(
        'client_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=36), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.String(length=16), nullable=True),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_receipts')),
        sa.UniqueConstraint('client_id', name=op.f('uq_client_receipts_client_id')),
    )
    with op.batch_alter_table('client_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_receipts_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_receipts_commune_code'), ['commune_code'], unique=False)
    op.create_table(
        'sync_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_clock')),
    )
    op.execute("INSERT INTO sync_clock (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE client_receipts ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON client_receipts USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    op.drop_table('sync_clock')
    op.drop_table('client_receipts')
    for table in STAMPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_sync_tx'))
            batch_op.drop_column('sync_tx')
            if table in VERSIONED:
                batch_op.drop_column('version')
