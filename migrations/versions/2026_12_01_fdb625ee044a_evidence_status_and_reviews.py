"""Evidence that counts: a status on check-ins, visits, support records and skills; officers' reviews.

Flagged evidence was kept and counted. Now each check-in, visit and support record carries whether
it counts (``counted``, ``held`` for review, ``rejected``) and each skill whether it is
``confirmed`` or ``claimed``, by the rule of ``fieldapp.models.evidence``; reviews are appended to
``evidence_reviews``. One counted check-in per person and session, instead of one not rejected: a
held-back scan no longer takes the place of a later good one.

Existing rows get the status the default table gives (the flags that held back evidence of each
kind on the day this was written); support records follow their visit. No skill existed on held-back
evidence before (a visit's flags did not stop its skills), so skills granted by a visit now held back
become claimed.

Revision ID: fdb625ee044a
Revises: f860bd5cc2e1
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'fdb625ee044a'
down_revision = 'f860bd5cc2e1'
branch_labels = None
depends_on = None

#: fieldapp.models.evidence.HOLD_BACK as it stood: the flags that hold back each kind.
_PLATES = ["plate_of_another_household", "plate_bad_signature", "plate_unknown_key", "plate_retired_key",
           "plate_malformed", "plate_foreign", "plate_unsupported_version"]
HOLDING = {
    "session": ["mock_location", "far_from_site", "outside_window"],
    "household": ["mock_location", "far_from_site", "no_gps", "low_gps_accuracy"],
    "person": ["mock_location", "far_from_site", "no_gps", "low_gps_accuracy"],
    "visit": ["mock_location", "far_from_site", "no_gps", "low_gps_accuracy", *_PLATES],
}


def _any_flag(flags: list[str]) -> str:
    return "(" + " OR ".join(f"CAST(flags AS TEXT) LIKE '%\"{flag}\"%'" for flag in flags) + ")"


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    for table in ('checkins', 'visits', 'support_records'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('evidence_status', sa.String(length=16), nullable=False,
                                          server_default='counted'))
    with op.batch_alter_table('person_skills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='confirmed'))

    op.execute("UPDATE checkins SET evidence_status = 'rejected' WHERE verdict = 'rejected'")
    for target in ("session", "household", "person"):
        op.execute(f"UPDATE checkins SET evidence_status = 'held' WHERE verdict = 'accepted_with_flags' "
                   f"AND target_kind = '{target}' AND {_any_flag(HOLDING[target])}")
    op.execute("UPDATE visits SET evidence_status = 'rejected' WHERE verdict = 'rejected'")
    op.execute(f"UPDATE visits SET evidence_status = 'held' WHERE verdict = 'accepted_with_flags' "
               f"AND {_any_flag(HOLDING['visit'])}")
    op.execute("UPDATE support_records SET evidence_status = (SELECT visits.evidence_status FROM visits "
               "WHERE visits.public_id = support_records.source_id) WHERE source_kind = 'visit' "
               "AND EXISTS (SELECT 1 FROM visits WHERE visits.public_id = support_records.source_id)")
    op.execute("UPDATE person_skills SET status = 'claimed' WHERE evidence_kind = 'visit' AND evidence_ref IN "
               "(SELECT public_id FROM visits WHERE evidence_status = 'held')")

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('uq_checkins_session_user', sqlite_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"),
                            postgresql_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"))
        batch_op.create_index('uq_checkins_session_user_counted', ['session_id', 'user_id'], unique=True,
                              sqlite_where=sa.text("session_id IS NOT NULL AND evidence_status = 'counted'"),
                              postgresql_where=sa.text("session_id IS NOT NULL AND evidence_status = 'counted'"))

    op.create_table(
        'evidence_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        sa.Column('target_type', sa.String(length=16), nullable=False),
        sa.Column('target_ref', sa.String(length=64), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('flags', sa.Text(), nullable=False),
        sa.Column('reviewed_by', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revises_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_evidence_reviews_reviewed_by_users')),
        sa.ForeignKeyConstraint(['revises_id'], ['evidence_reviews.id'],
                                name=op.f('fk_evidence_reviews_revises_id_evidence_reviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_reviews')),
    )
    with op.batch_alter_table('evidence_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_reviews_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_reviews_target_ref'), ['target_ref'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE evidence_reviews ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON evidence_reviews USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    op.drop_table('evidence_reviews')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('uq_checkins_session_user_counted',
                            sqlite_where=sa.text("session_id IS NOT NULL AND evidence_status = 'counted'"),
                            postgresql_where=sa.text("session_id IS NOT NULL AND evidence_status = 'counted'"))
        batch_op.create_index('uq_checkins_session_user', ['session_id', 'user_id'], unique=True,
                              sqlite_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"),
                              postgresql_where=sa.text("session_id IS NOT NULL AND verdict <> 'rejected'"))
    with op.batch_alter_table('person_skills', schema=None) as batch_op:
        batch_op.drop_column('status')
    for table in ('support_records', 'visits', 'checkins'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('evidence_status')
