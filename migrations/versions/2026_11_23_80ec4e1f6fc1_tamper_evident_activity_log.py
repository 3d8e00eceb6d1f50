"""Tamper-evident activity log: queue, leaves, Merkle nodes, signed checkpoints, append-only triggers.

Revision ID: 80ec4e1f6fc1
Revises: 765c4964c8c1
Create Date: 2026-11-23 02:36:19.780129
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2  # noqa: F401  (registers the geospatial operations)


revision = '80ec4e1f6fc1'
down_revision = '765c4964c8c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_nodes',
    sa.Column('log_unit', sa.String(length=5), nullable=False),
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('log_unit', 'level', 'index', name=op.f('pk_activity_nodes'))
    )
    op.create_table('signing_keys',
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_signing_keys'))
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_keys_purpose'), ['purpose'], unique=False)

    op.create_table('activity_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_unit', sa.String(length=5), nullable=False),
    sa.Column('size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['signing_keys.key_id'], name=op.f('fk_activity_checkpoints_key_id_signing_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_checkpoints'))
    )
    with op.batch_alter_table('activity_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_checkpoints_log_unit'), ['log_unit'], unique=False)

    op.create_table('activity_leaves',
    sa.Column('log_unit', sa.String(length=5), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('sequenced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['activity_entries.id'], name=op.f('fk_activity_leaves_entry_id_activity_entries')),
    sa.PrimaryKeyConstraint('log_unit', 'seq', name=op.f('pk_activity_leaves')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_activity_leaves_entry_id'))
    )
    op.create_table('activity_queue',
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('log_unit', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['activity_entries.id'], name=op.f('fk_activity_queue_entry_id_activity_entries')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_activity_queue'))
    )
    with op.batch_alter_table('activity_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_queue_log_unit'), ['log_unit'], unique=False)

    # Entries written before this revision wait for the sequencer like new ones.
    op.execute("INSERT INTO activity_queue (entry_id, log_unit) SELECT id, log_unit FROM activity_entries")
    _append_only_up()


#: Frozen here: the tables this revision makes append-only (a later revision adds its own).
APPEND_ONLY = ("activity_entries", "activity_leaves", "activity_nodes", "activity_checkpoints")


def _append_only_up():
    """Why: the log is official evidence; even the app's own code must not be able to rewrite it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION fieldapp_refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the activity log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION fieldapp_refuse_log_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION fieldapp_refuse_log_change()")
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END")


def _append_only_down():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS fieldapp_refuse_log_change()")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def downgrade():
    _append_only_down()
    with op.batch_alter_table('activity_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_queue_log_unit'))

    op.drop_table('activity_queue')
    op.drop_table('activity_leaves')
    with op.batch_alter_table('activity_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_checkpoints_log_unit'))

    op.drop_table('activity_checkpoints')
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_keys_purpose'))

    op.drop_table('signing_keys')
    op.drop_table('activity_nodes')
