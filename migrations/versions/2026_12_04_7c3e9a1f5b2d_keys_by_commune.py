"""Keys by commune, ready for Citus (issue 19, item 5; fieldapp/distribution.py says the plan and the rules).

Both databases: the five tables that reached their commune only through a parent get ``commune_code``
of their own, copied from it (assignments from the household, a person's skills and skill events from
the person, a mentorship's skills and meetings from the mentorship).

PostgreSQL only, read from the catalogue so that every key is made again as it was, plus the commune:

1. every foreign key between two of the commune-distributed tables is dropped;
2. every primary key and unique constraint or index of those tables that lacks the distribution column
   (``commune_code``, the activity log's ``log_unit``) is made again with it, last (a look-up by ``id``
   or ``public_id`` still uses the index), a unique one under its name with ``_commune`` added;
3. the values that were unique across communes (public ids, client ids) are
   claimed in ``unique_claims`` by a ``BEFORE INSERT`` trigger raising the unique violation the old index
   raised, under its name; the claims of the rows already stored are copied in first;
4. the foreign keys are made again joining on the distribution columns as well (``_commune`` added),
   those of what a person holds (skills, their events, platform confirmations, memberships) ``DEFERRABLE``
   (a person who moves takes them along, in one transaction); not those naming a person from a row that may
   be another commune's (``ACROSS``: an attendee from elsewhere, and the support, check-ins, mentorship and
   promotion of someone who has since moved, which stay where they were done).

How long: each step rewrites an index or validates a key over its table; on the 10,000-household
harness database it takes seconds, and like the partitions migration it locks the tables throughout:
run it in a maintenance window.

Revision ID: 7c3e9a1f5b2d
Revises: f2a8c4e6b1d9
Create Date: 2026-12-04 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7c3e9a1f5b2d'
down_revision = 'f2a8c4e6b1d9'
branch_labels = None
depends_on = None

#: table → (parent, the column naming it): where the new commune_code is copied from.
GAINED = {
    "assignments": ("households", "household_id"),
    "person_skills": ("persons", "person_id"),
    "skill_events": ("persons", "person_id"),
    "mentorship_skills": ("mentorships", "mentorship_id"),
    "mentoring_interactions": ("mentorships", "mentorship_id"),
}
#: The commune-distributed tables (fieldapp.distribution.DISTRIBUTED as this migration made them).
DISTRIBUTED = {
    **{table: "commune_code" for table in (
        "ambassadors", "assignments", "checkins", "client_receipts", "evidence_reviews", "household_tallies",
        "household_tally_keys", "households", "kept_imports", "learning_sessions", "mentoring_interactions",
        "mentorship_skills", "mentorships", "organisation_members", "person_skills", "person_tallies",
        "person_tally_keys", "persons", "platform_confirmations", "quarterly_reports", "reach_tallies",
        "session_attendees", "skill_events", "support_reach", "support_records", "support_tallies",
        "visit_tallies", "visits",
    )},
    **{table: "log_unit" for table in (
        "activity_checkpoints", "activity_entries", "activity_leaves", "activity_nodes", "activity_queue",
    )},
}
#: (table, column) → the unique constraint it had: claimed in unique_claims instead.
CLAIMED = {
    ("households", "public_id"): "uq_households_public_id",
    ("persons", "public_id"): "uq_persons_public_id",
    ("learning_sessions", "public_id"): "uq_learning_sessions_public_id",
    ("mentorships", "public_id"): "uq_mentorships_public_id",
    ("visits", "public_id"): "uq_visits_public_id",
    ("visits", "client_id"): "uq_visits_client_id",
    ("client_receipts", "client_id"): "uq_client_receipts_client_id",
    ("mentoring_interactions", "client_id"): "uq_mentoring_interactions_client_id",
}
#: Not claimed: a kept upload's token is 256 random bits (unique with its commune is unique), and kept uploads
#: are deleted when they expire, which would leave their claims behind.
#: Foreign keys not made again: they name a person who may live in another commune than the row (an
#: attendee from elsewhere; and a person moves, while what was done for them stays where it was done).
ACROSS = {("session_attendees", ("person_id",)), ("support_records", ("person_id",)), ("checkins", ("person_id",)),
          ("mentorships", ("mentee_person_id",)), ("ambassadors", ("promoted_from_person_id",))}
#: What a person holds moves with them: the service changes their commune in these rows in the transaction
#: that changes the person's, so their keys to the person are checked at its commit (``DEFERRABLE``; Citus
#: refuses ``ON UPDATE CASCADE`` on a key holding the distribution column, and accepts this).
MOVES_WITH_THE_PERSON = {"person_skills", "skill_events", "platform_confirmations", "organisation_members"}
SUFFIX = "_commune"
#: Primary keys this migration gave the distribution column (those that had it before keep it).
REKEYED_PRIMARY = {
    "activity_checkpoints", "activity_entries", "activity_queue", "ambassadors", "assignments", "checkins",
    "client_receipts", "evidence_reviews", "household_tally_keys", "households", "kept_imports",
    "learning_sessions", "mentoring_interactions", "mentorship_skills", "mentorships", "organisation_members",
    "person_skills", "person_tally_keys", "persons", "platform_confirmations", "session_attendees",
    "skill_events", "support_reach", "support_records", "visits",
}

CLAIM_FUNCTION = """
CREATE FUNCTION unique_claim() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    claimed text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
    -- A value unique across every commune (no index of a distributed table can say it): claimed here in
    -- the insert's transaction; taken, the insert fails as the old unique index failed it, by its name.
    IF claimed IS NULL THEN
        RETURN NEW;
    END IF;
    -- Its kind is named, not TG_TABLE_NAME: on a Citus shard that is the shard's own name.
    INSERT INTO unique_claims (kind, value) VALUES (TG_ARGV[2], claimed)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RAISE unique_violation USING
            MESSAGE = format('duplicate key value violates unique constraint "%s"', TG_ARGV[1]),
            DETAIL = format('Key (%s)=(%s) already exists.', TG_ARGV[0], claimed),
            CONSTRAINT = TG_ARGV[1], TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$
"""


def _rows(sql, **params):
    return op.get_bind().execute(sa.text(sql), params).all()


def _foreign_keys():
    """(table, name, definition, columns, target, target columns) of every key between distributed tables."""
    found = _rows(
        "SELECT t.relname, f.conname, pg_get_constraintdef(f.oid), r.relname, "
        "ARRAY(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY k(n, o) "
        "      JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n ORDER BY k.o), "
        "ARRAY(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY k(n, o) "
        "      JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n ORDER BY k.o) "
        "FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid "
        "WHERE f.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition "
        "AND f.conparentid = 0 ORDER BY 1, 2")
    return [(t, name, definition, tuple(own), target, tuple(theirs))
            for t, name, definition, target, own, theirs in found if t in DISTRIBUTED and target in DISTRIBUTED]


def _unique_keys():
    """(table, index name, 'p' / 'u' for a primary key / unique constraint or None for a unique index, the
    index's definition, its columns) of every unique key of a distributed table."""
    found = _rows(
        "SELECT t.relname, i.relname, c.contype, pg_get_indexdef(x.indexrelid), "
        "ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o) "
        "      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o) "
        "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid AND c.contype IN ('p', 'u') "
        "WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition AND x.indisunique "
        "ORDER BY 1, 2")
    return [(t, name, kind, definition, tuple(columns)) for t, name, kind, definition, columns in found
            if t in DISTRIBUTED]


def _remake(table: str, name: str, kind: str | None, definition: str, columns: list, new_name: str) -> None:
    """Make a unique key again on ``columns``: a primary key keeps its name, the others take ``new_name``."""
    listed = ", ".join(columns)
    if kind == "p":
        op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" PRIMARY KEY ({listed})')
    elif kind == "u":
        op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{new_name}" UNIQUE ({listed})')
    else:
        head, _, rest = definition.partition(" USING btree (")
        _, _, where = rest.partition(")")
        op.execute(f'DROP INDEX "{name}"')
        head = head.replace(" ON ONLY ", " ON ").replace(f" {name} ", f" {new_name} ")
        op.execute(f"{head} USING btree ({listed}){where}")


def upgrade():
    for table, (parent, column) in GAINED.items():
        with op.batch_alter_table(table) as batch:
            #: The commune, copied from the parent row.
            batch.add_column(sa.Column('commune_code', sa.String(length=5), nullable=True))
        op.execute(f"UPDATE {table} SET commune_code = (SELECT commune_code FROM {parent} "
                   f"WHERE {parent}.id = {table}.{column})")
        with op.batch_alter_table(table) as batch:
            batch.alter_column('commune_code', existing_type=sa.String(length=5), nullable=False)
            batch.create_foreign_key(op.f(f'fk_{table}_commune_code_units'), 'units', ['commune_code'], ['code'])
    if op.get_bind().dialect.name != "postgresql":
        return
    foreign = _foreign_keys()
    for table, name, _definition, _own, _target, _theirs in foreign:
        op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for table, name, kind, definition, columns in _unique_keys():
        if DISTRIBUTED[table] not in columns:
            _remake(table, name, kind, definition, [*columns, DISTRIBUTED[table]], name + SUFFIX)
    op.execute("CREATE TABLE unique_claims (kind varchar(64) NOT NULL, value varchar(64) NOT NULL, "
               "CONSTRAINT pk_unique_claims PRIMARY KEY (value, kind))")
    for (table, column), _name in CLAIMED.items():
        op.execute(f"INSERT INTO unique_claims (kind, value) SELECT '{table}.{column}', {column} FROM {table} "
                   f"WHERE {column} IS NOT NULL")
    op.execute(CLAIM_FUNCTION)
    for (table, column), name in CLAIMED.items():
        op.execute(f"CREATE TRIGGER {table}_{column}_claim BEFORE INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION unique_claim('{column}', '{name}', '{table}.{column}')")
    for table, name, definition, own, target, theirs in foreign:
        if (table, own) in ACROSS:
            continue
        tail = definition.partition(f"REFERENCES {target}(")[2].partition(")")[2]
        if table in MOVES_WITH_THE_PERSON and target == "persons":
            tail += " DEFERRABLE INITIALLY IMMEDIATE"
        op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}{SUFFIX}" FOREIGN KEY '
                   f'({", ".join([*own, DISTRIBUTED[table]])}) REFERENCES "{target}" '
                   f'({", ".join([*theirs, DISTRIBUTED[target]])}){tail}')
    # The runtime role never reads every area's claims (the trigger's function runs as the owner).
    for (role,) in _rows("SELECT DISTINCT grantee FROM information_schema.role_table_grants "
                         "WHERE table_schema = 'public' AND table_name = 'persons' AND grantee <> current_user"):
        op.execute(f'REVOKE ALL ON unique_claims FROM "{role}"')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        foreign = [(t, name, d, own, target, theirs) for t, name, d, own, target, theirs in _foreign_keys()
                   if name.endswith(SUFFIX)]
        for table, name, _definition, _own, _target, _theirs in foreign:
            op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for (table, column), _name in CLAIMED.items():
            op.execute(f"DROP TRIGGER {table}_{column}_claim ON {table}")
        op.execute("DROP FUNCTION unique_claim()")
        op.execute("DROP TABLE unique_claims")
        for table, name, kind, definition, columns in _unique_keys():
            if not columns or columns[-1] != DISTRIBUTED[table]:
                continue
            if (kind == "p" and table not in REKEYED_PRIMARY) or (kind != "p" and not name.endswith(SUFFIX)):
                continue
            _remake(table, name, kind, definition, list(columns[:-1]), name.removesuffix(SUFFIX))
        for table, name, definition, own, target, theirs in foreign:
            tail = definition.partition(f"REFERENCES {target}(")[2].partition(")")[2]
            tail = tail.replace(" DEFERRABLE", "")
            op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name.removesuffix(SUFFIX)}" FOREIGN KEY '
                       f'({", ".join(own[:-1])}) REFERENCES "{target}" ({", ".join(theirs[:-1])}){tail}')
        for table, (column,) in sorted(ACROSS):
            op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "fk_{table}_{column}_persons" '
                       f'FOREIGN KEY ({column}) REFERENCES "persons" (id)')
    for table in GAINED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'fk_{table}_commune_code_units'), type_='foreignkey')
            batch.drop_column('commune_code')

