"""Household lists kept between their dry run and their import (issue 18): ``kept_imports``.

The console's import checks a list and, when it has no error, keeps the file's bytes for 30 minutes
under a random token (only its SHA-256 is stored) bound to the officer and their area, so that "Nhập"
imports exactly the file that was checked without choosing it again, and only once (``imported_at`` is
set in the import's own transaction). Row-level security on PostgreSQL by the list's commune, as every
commune-scoped table. New: no row moves.

Revision ID: 6d2a9f41c8e7
Revises: 4901941fac24
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '6d2a9f41c8e7'
down_revision = '4901941fac24'
branch_labels = None
depends_on = None


def _in_area(column: str) -> str:
    return (f"((SELECT current_setting('fieldapp.area', true)) = '*' OR "
            f"{column} = ANY ((SELECT string_to_array(current_setting('fieldapp.area', true), ','))::text[]))")


def upgrade():
    op.create_table(
        'kept_imports',
        #: The kept list's id (named in the activity log; never the token).
        sa.Column('id', sa.Integer(), nullable=False),
        #: SHA-256 (hex) of the random token the officer's page holds.
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        #: The officer who checked it: only they may import it.
        sa.Column('user_id', sa.Integer(), nullable=False),
        #: The unit their role was held on when they checked it (NULL: nationwide).
        sa.Column('caller_unit_code', sa.String(length=5), nullable=True),
        #: The commune the list is for: the row's area.
        sa.Column('commune_code', sa.String(length=5), nullable=False),
        #: The file's name as uploaded.
        sa.Column('filename', sa.String(length=255), nullable=False),
        #: The file's bytes as checked; emptied once imported.
        sa.Column('content', sa.LargeBinary(), nullable=False),
        #: SHA-256 (hex) of the bytes when checked.
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        #: The dry run's choice about possible duplicates, kept for the import.
        sa.Column('allow_duplicates', sa.Boolean(), nullable=False),
        #: Households the dry run counted.
        sa.Column('households', sa.Integer(), nullable=False),
        #: People the dry run counted.
        sa.Column('persons', sa.Integer(), nullable=False),
        #: When it was checked and kept.
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        #: After this it cannot be imported.
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        #: When it was imported (once).
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kept_imports_user_id_users')),
        sa.ForeignKeyConstraint(['commune_code'], ['units.code'], name=op.f('fk_kept_imports_commune_code_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_imports')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_kept_imports_token_sha256')),
    )
    with op.batch_alter_table('kept_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_imports_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_imports_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_imports_expires_at'), ['expires_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE kept_imports ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY area ON kept_imports USING {_in_area('commune_code')} "
                   f"WITH CHECK {_in_area('commune_code')}")


def downgrade():
    op.drop_table('kept_imports')
