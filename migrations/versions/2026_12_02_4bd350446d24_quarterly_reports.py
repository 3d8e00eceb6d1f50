"""Quarterly reports (issue 17, item 3): a commune's report of a reporting quarter, drafted, submitted (its
figures frozen as a JSON snapshot, with the activity-log checkpoint they were computed against) and
approved by the province, or returned with a reason. Row-level security on PostgreSQL by the commune (a
province's area holds its communes' codes). An approved report is locked: triggers on both databases
refuse to update or delete its row. New: no row moves.

Revision ID: 4bd350446d24
Revises: 30047906d6f7
Create Date: 2026-12-02 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '4bd350446d24'
down_revision = '30047906d6f7'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'quarterly_reports',
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('year', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('quarter', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('status', sa.Enum('draft', 'submitted', 'approved', name='reportstatus', native_enum=False,
                                    length=16), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=True),
        sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
        sa.Column('checkpoint_id', sa.Integer(), nullable=True),
        sa.Column('submitted_by', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('returned_by', sa.Integer(), nullable=True),
        sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('return_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_quarterly_reports_commune_code_units')),
        sa.ForeignKeyConstraint(['checkpoint_id'], ['activity_checkpoints.id'],
                                name=op.f('fk_quarterly_reports_checkpoint_id_activity_checkpoints')),
        sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_quarterly_reports_submitted_by_users')),
        sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_quarterly_reports_approved_by_users')),
        sa.ForeignKeyConstraint(['returned_by'], ['users.id'], name=op.f('fk_quarterly_reports_returned_by_users')),
        sa.PrimaryKeyConstraint('commune_code', 'year', 'quarter', name=op.f('pk_quarterly_reports')),
    )
    # Why: an approved figure must never change silently (issue 17, DHIS2's approval locks the data); even
    # the app's own code cannot rewrite an approved report.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE quarterly_reports ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON quarterly_reports USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")
        op.execute("""
            CREATE FUNCTION fieldapp_refuse_approved_report_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'an approved quarterly report is locked: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute("CREATE TRIGGER quarterly_reports_approved_locked BEFORE UPDATE OR DELETE ON quarterly_reports "
                   "FOR EACH ROW WHEN (OLD.status = 'approved') "
                   "EXECUTE FUNCTION fieldapp_refuse_approved_report_change()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER quarterly_reports_approved_no_{action.lower()} BEFORE {action} "
                       f"ON quarterly_reports WHEN OLD.status = 'approved' "
                       f"BEGIN SELECT RAISE(ABORT, 'an approved quarterly report is locked'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS quarterly_reports_approved_locked ON quarterly_reports")
        op.execute("DROP FUNCTION IF EXISTS fieldapp_refuse_approved_report_change()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS quarterly_reports_approved_no_{action}")
    op.drop_table('quarterly_reports')
