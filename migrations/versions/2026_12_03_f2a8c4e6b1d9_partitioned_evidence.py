"""The evidence tables partitioned by reporting quarter (PostgreSQL; issue 19, item 5): ``support_records``
by ``supported_at``, ``checkins`` by the new ``period_at`` (its session's start, else when it was
received), so that an old quarter can be detached and archived (fieldapp/partitions.py says what
PostgreSQL requires of the keys and how each rule is kept).

Each table is converted in one transaction: the table is renamed, the partitioned table is made with
its columns, the partitions are made (every reporting quarter its rows cover, the current one and two
ahead, and a default one), the rows are copied in, the old table is dropped, and then its primary key
(with the partition key), indexes, foreign keys, row-level security, policies and grants are made again,
read from the catalogue as the old table had them, so that nothing written by an earlier migration is
lost or has to be repeated here. Policies of other tables that read this one (the organisations'
``named_by_support``) are dropped before and made again after, unchanged.

How long: 21 s for 1,000,000 support records and 1,000,000 check-ins on the standard 2-core machine
(bench/partitions_migration.py; docs/deploy.md, "Partitions"), linear in the rows; the tables are
locked throughout (``ACCESS EXCLUSIVE``), so run it in a maintenance window.

SQLite gets ``checkins.period_at`` only (filled the same way); nothing is partitioned there.

Revision ID: f2a8c4e6b1d9
Revises: f3a6c1e8b2d4
Create Date: 2026-12-03 18:00:00
"""
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = 'f2a8c4e6b1d9'
down_revision = 'f3a6c1e8b2d4'
branch_labels = None
depends_on = None

SCHEMA = "fieldapp_partitions"
#: table → (partition key, the key of a row of the old table, its FROM clause).
TABLES = {
    "support_records": ("supported_at", "old.supported_at", "support_records_unpartitioned old"),
    "checkins": ("period_at", "coalesce(s.starts_at, old.received_at)",
                 "checkins_unpartitioned old LEFT JOIN learning_sessions s ON s.id = old.session_id"),
}
#: The reporting quarters made ahead of the current one (fieldapp.partitions.AHEAD).
AHEAD = 2
#: The reporting quarter closes on the 10th of the quarter's last month, Vietnam's day (fieldapp/periods.py).
CUTOFF_DAY = 10
VIETNAM = timezone(timedelta(hours=7))

CLAIM_FUNCTION = """
CREATE FUNCTION checkin_client_id_claim() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- One check-in per client_id across every partition (no index of a partitioned table can say it).
    -- Taken: the check-in is not stored, as ON CONFLICT DO NOTHING on a unique index did; a parallel
    -- insert of the same client_id waits here for the first to commit or roll back.
    INSERT INTO checkin_client_ids (client_id) VALUES (NEW.client_id) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$
"""


def _rows(sql, **params):
    return op.get_bind().execute(sa.text(sql), params).all()


def _catalogue(table: str) -> dict:
    """What the table has besides its columns, as SQL to make it again."""
    oid = _rows("SELECT CAST(CAST(:t AS regclass) AS oid)", t=table)[0][0]
    indexes = _rows("SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, "
                    "EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid AND contype IN ('p', 'u')) "
                    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = :oid", oid=oid)
    constraints = _rows("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = :oid AND contype IN ('p', 'u', 'f', 'c')", oid=oid)
    policies = _rows("SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies "
                     "WHERE schemaname = current_schema() AND tablename = :t", t=table)
    readers = _rows("SELECT DISTINCT p.polrelid::regclass::text, p.polname FROM pg_policy p "
                    "JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid "
                    "WHERE d.refobjid = :oid AND p.polrelid <> :oid", oid=oid)
    reader_policies = [(t, _rows("SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies "
                                 "WHERE schemaname = current_schema() AND tablename = :t AND policyname = :p",
                                 t=t, p=p)[0]) for t, p in readers]
    grants = _rows("SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
                   "a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
                   "WHERE c.oid = :oid AND a.grantee <> c.relowner", oid=oid)
    security = _rows("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = :oid", oid=oid)[0]
    return {"indexes": indexes, "constraints": constraints, "policies": policies,
            "readers": reader_policies, "grants": grants, "security": security}


def _policy_sql(table: str, policy) -> str:
    name, permissive, roles, cmd, qual, check = policy
    sql = f'CREATE POLICY "{name}" ON "{table}" AS {permissive} FOR {cmd} TO {", ".join(roles)}'
    if qual is not None:
        sql += f" USING ({qual})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def _dress(table: str, found: dict, *, key: str | None) -> None:
    """Make again on ``table`` what ``_catalogue`` found on its predecessor. ``key``: the partition key,
    which the primary key and every unique index must then hold (None: back to one plain table)."""
    for name, kind, definition in found["constraints"]:
        if kind == "p":
            columns = "id" if key is None else f"id, {key}"
            op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" PRIMARY KEY ({columns})')
        elif kind == "u" and key is not None:
            # client_id (checkins): unique across partitions through checkin_client_ids; here an index.
            column = definition.removeprefix("UNIQUE (").removesuffix(")")
            op.execute(f'CREATE INDEX "ix_{table}_{column}" ON "{table}" ({column})')
        elif kind in ("u", "f", "c"):
            op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for name, definition, primary, of_constraint in found["indexes"]:
        if primary or of_constraint:
            continue
        definition = definition.replace(" ON ONLY ", " ON ")  # a partitioned table's index, printed
        if key is None and name == "ix_checkins_client_id":
            op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "uq_checkins_client_id" UNIQUE (client_id)')
            continue
        if key is not None and definition.startswith("CREATE UNIQUE INDEX"):
            # The unique index must hold the partition key: uq_checkins_session_user_counted, one counted
            # check-in per person per session, holds as before since a session's check-ins share period_at.
            head, _, rest = definition.partition(" USING btree (")
            columns, _, where = rest.partition(")")
            new_name = name.replace("_counted", "_period_counted")
            head = head.replace(f'"{name}"', f'"{new_name}"').replace(f" {name} ", f" {new_name} ")
            definition = f"{head} USING btree ({columns}, {key}){where}"
        if key is None and name == "uq_checkins_session_user_period_counted":
            head, _, rest = definition.partition(" USING btree (")
            columns, _, where = rest.partition(")")
            head = head.replace(name, "uq_checkins_session_user_counted")
            definition = f"{head} USING btree ({columns.removesuffix(', period_at')}){where}"
        op.execute(definition)
    enabled, forced = found["security"]
    if enabled:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    if forced:
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    for policy in found["policies"]:
        op.execute(_policy_sql(table, policy))
    for grantee, privilege in found["grants"]:
        op.execute(f'GRANT {privilege} ON "{table}" TO {grantee}')
    for reader, policy in found["readers"]:
        op.execute(_policy_sql(reader, policy))


def _swap(table: str, *, create: str, copy: str, key: str | None) -> None:
    """Rename ``table``, make its successor (``create``), copy the rows (``copy``), drop the old one and
    dress the new one as the old was."""
    found = _catalogue(table)
    for reader, policy in found["readers"]:
        op.execute(f'DROP POLICY "{policy[0]}" ON "{reader}"')
    op.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_{"un" if key else ""}partitioned"')
    old = f'{table}_{"un" if key else ""}partitioned'
    op.execute(create)
    if key is not None:
        _make_partitions(table, key, old)
    op.execute(copy)
    op.execute(f'ALTER SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
    op.execute(f'DROP TABLE "{old}" CASCADE')  # CASCADE: an old table's partitions, on the way back
    _dress(table, found, key=key)
    op.execute(f'ANALYZE "{table}"')


def _quarter_of(day: date) -> tuple[int, int]:
    """The reporting quarter a Vietnam day falls in (fieldapp/periods.py, as it was written here)."""
    q = (day.month - 1) // 3 + 1
    if day >= date(day.year, 3 * q, CUTOFF_DAY):
        return (day.year + 1, 1) if q == 4 else (day.year, q + 1)
    return day.year, q


def _quarter_bounds(year: int, q: int) -> tuple[datetime, datetime]:
    """Its first instant and the first instant after it, at Vietnam's midnight."""
    prev_year, prev_month = (year - 1, 12) if q == 1 else (year, 3 * q - 3)
    return (datetime(prev_year, prev_month, CUTOFF_DAY, tzinfo=VIETNAM),
            datetime(year, 3 * q, CUTOFF_DAY, tzinfo=VIETNAM))


def _make_partitions(table: str, key: str, old: str) -> None:
    """A partition per reporting quarter from the oldest row's to two after the current one; a default."""
    expression, source = TABLES[table][1], TABLES[table][2]
    first = _rows(f"SELECT min({expression}) FROM {source}")[0][0]
    now = datetime.now(timezone.utc)
    year, q = _quarter_of(min(first or now, now).astimezone(VIETNAM).date())
    last = _quarter_of(now.astimezone(VIETNAM).date())
    for _ in range(AHEAD):
        last = (last[0] + 1, 1) if last[1] == 4 else (last[0], last[1] + 1)
    while (year, q) <= last:
        starts, ends = _quarter_bounds(year, q)
        op.execute(f'CREATE TABLE {SCHEMA}."{table}_{year}r{q}" PARTITION OF "{table}" '
                   f"FOR VALUES FROM ('{starts.isoformat()}') TO ('{ends.isoformat()}')")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    op.execute(f'CREATE TABLE {SCHEMA}."{table}_default" PARTITION OF "{table}" DEFAULT')


def _columns(table: str) -> str:
    names = [row[0] for row in _rows("SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                                     "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", t=table)]
    return ", ".join(f'"{name}"' for name in names)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table('checkins', schema=None) as batch_op:
            batch_op.add_column(sa.Column('period_at', sa.DateTime(timezone=True), nullable=True))
        op.execute("UPDATE checkins SET period_at = coalesce((SELECT starts_at FROM learning_sessions "
                   "WHERE learning_sessions.id = checkins.session_id), received_at)")
        with op.batch_alter_table('checkins', schema=None) as batch_op:
            batch_op.alter_column('period_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        return
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    columns = _columns("support_records")
    _swap("support_records", key="supported_at",
          create='CREATE TABLE "support_records" (LIKE "support_records_unpartitioned" INCLUDING DEFAULTS) '
                 'PARTITION BY RANGE (supported_at)',
          copy=f'INSERT INTO "support_records" ({columns}) SELECT {columns} FROM "support_records_unpartitioned"')
    columns = _columns("checkins")
    selected = ", ".join(f"old.{name}" for name in columns.split(", "))
    _swap("checkins", key="period_at",
          create='CREATE TABLE "checkins" (LIKE "checkins_unpartitioned" INCLUDING DEFAULTS, '
                 'period_at timestamp with time zone NOT NULL) PARTITION BY RANGE (period_at)',
          copy=f'INSERT INTO "checkins" ({columns}, period_at) SELECT {selected}, {TABLES["checkins"][1]} '
               f'FROM {TABLES["checkins"][2]}')
    op.execute("CREATE TABLE checkin_client_ids (client_id varchar(36) NOT NULL, "
               "CONSTRAINT pk_checkin_client_ids PRIMARY KEY (client_id))")
    op.execute("REVOKE ALL ON checkin_client_ids FROM PUBLIC")
    op.execute("INSERT INTO checkin_client_ids (client_id) SELECT client_id FROM checkins")
    op.execute(CLAIM_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION checkin_client_id_claim() FROM PUBLIC")
    op.execute("CREATE TRIGGER checkins_client_id_claim BEFORE INSERT ON checkins "
               "FOR EACH ROW EXECUTE FUNCTION checkin_client_id_claim()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table('checkins', schema=None) as batch_op:
            batch_op.drop_column('period_at')
        return
    op.execute("DROP TRIGGER checkins_client_id_claim ON checkins")
    op.execute("DROP FUNCTION checkin_client_id_claim()")
    op.execute("DROP TABLE checkin_client_ids")
    for table in ("checkins", "support_records"):
        columns = _columns(table)
        if table == "checkins":
            columns = ", ".join(name for name in columns.split(", ") if name != '"period_at"')
        create = f'CREATE TABLE "{table}" (LIKE "{table}_partitioned" INCLUDING DEFAULTS)'
        if table == "checkins":
            create += '; ALTER TABLE "checkins" DROP COLUMN period_at'
        _swap(table, key=None, create=create,
              copy=f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{table}_partitioned"')
    op.execute(f"DROP SCHEMA {SCHEMA}")
