"""The people's and the support records' counters by commune, not by village (issue 17's benchmark): at a
province's size a key with the village in it held nearly a row per person or record. The counters
already kept are added up without the village (no rebuild needed); a village's figures now read the
people's keys (``person_tally_keys`` keeps each person's village) and its own support records.
Indexes for a period's sessions of an area and its held-back session check-ins, which a province's
quarter read by scanning the commune's every session since the start.

Revision ID: a7f1c3e9d5b8
Revises: 6d2a9f41c8e7
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7f1c3e9d5b8'
down_revision = '6d2a9f41c8e7'
branch_labels = None
depends_on = None

#: Each counter table, its count column and its key without the village, in the key's order.
COUNTERS = {
    'person_tallies': ('people', ('commune_code', 'sex', 'birth_year', 'groups', 'priority', 'facts')),
    'support_tallies': ('records', ('commune_code', 'day', 'skill', 'channel', 'status')),
}


def _regroup(table: str, count: str, key: tuple) -> None:
    """Add up ``table``'s counters over its key without the village."""
    columns = ", ".join(key)
    op.execute(f"CREATE TEMPORARY TABLE regrouped AS SELECT {columns}, sum({count}) AS {count} FROM {table} "
               f"GROUP BY {columns}")
    op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f'pk_{table}', type_='primary')
        batch.drop_column('village_id')
        batch.create_primary_key(f'pk_{table}', list(key))
    op.execute(f"INSERT INTO {table} ({columns}, {count}) SELECT {columns}, {count} FROM regrouped")
    op.execute("DROP TABLE regrouped")


def upgrade():
    for table, (count, key) in COUNTERS.items():
        _regroup(table, count, key)
    op.create_index('ix_learning_sessions_commune_starts', 'learning_sessions', ['commune_code', 'starts_at'])
    op.create_index('ix_checkins_session_held', 'checkins', ['session_id'],
                    postgresql_where=sa.text("evidence_status = 'held'"),
                    sqlite_where=sa.text("evidence_status = 'held'"))


def downgrade():
    op.drop_index('ix_checkins_session_held', table_name='checkins')
    op.drop_index('ix_learning_sessions_commune_starts', table_name='learning_sessions')
    # Which village each counted record was in is not kept: the counters go back empty, with the
    # people's keys, so that the areas answer 503 indicators.not_built until `fieldapp tallies rebuild`.
    op.execute("DELETE FROM person_tally_keys")
    for table, (_count, key) in COUNTERS.items():
        op.execute(f"DELETE FROM {table}")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'pk_{table}', type_='primary')
            batch.add_column(sa.Column('village_id', sa.Integer(), nullable=False, server_default='0'))
            batch.create_primary_key(f'pk_{table}', [key[0], 'village_id', *key[1:]])
