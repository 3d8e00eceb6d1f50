"""What Citus would make of each table: the schema kept ready to be distributed by commune (issue 19,
item 5; docs/scale.md, "Past one database server").

Citus (distributed PostgreSQL, which runs PostGIS) spreads a *distributed* table's rows over nodes by
one column, and copies a *reference* table to every node. It asks of the schema (its documentation,
"Table management" and "Migrating an existing app"):

- every primary key and unique constraint or index of a distributed table includes its distribution
  column (a node can only check uniqueness among the rows it holds);
- a foreign key between distributed tables joins them on their distribution columns (they are
  *co-located*: the rows that refer to each other live on one node) and never changes or empties that
  column (no ``ON UPDATE CASCADE``, ``SET NULL`` or ``SET DEFAULT``), and any distributed table may
  point at a reference table; a reference table points only at reference tables; a table left on the
  coordinator (*local*) points only at reference or local tables, and nothing distributed points at it.

The plan (:data:`DISTRIBUTED`, :data:`REFERENCE`, :data:`LOCAL`): every commune-scoped table is
distributed by ``commune_code``, the activity log's tables by ``log_unit`` (a commune's log is its
commune's code, so an entry lives beside what it records; the province's and the nation's logs are
just two more values), all in one co-location group (the same type, ``varchar(5)``). Units and the
accounts, the villages, teams and organisations every commune's rows name, and the provinces'
settings are reference tables: small, read everywhere, written rarely. The skills catalogue is not a
table at all: it is code (fieldapp/models/skills.py) stored as its values, so every node has it.

On PostgreSQL the keys are made so by migration 7c3e9a1f5b2d; the models keep naming a row by its
``id`` (ids come from sequences, so they stay unique across communes) and SQLite keeps its own keys,
as the embedded default holds one commune. :func:`distribution_problems` reads the live catalogue
against these rules; tests/test_distribution.py runs it, so a new table or key that Citus would
refuse fails the suite. A real Citus (13.2, one node) distributed this schema as planned; docs/scale.md
says what it accepted and what the move itself must still do (policies, order, triggers).

What the rules cost and how each is kept:

- **Values unique across communes** (:data:`CLAIMED`): a public id (``H…``, ``P…``: 50 random bits, which
  across 100 million people *will* collide somewhere) and a phone's ``client_id`` (the same one with another
  body is 409 whichever area holds the first, fieldapp/services/idempotency.py) cannot be unique by an index
  of a commune's rows alone. Each insert claims its value in ``unique_claims`` (distributed by the value
  itself, a group of its own) through a ``BEFORE INSERT`` trigger that raises the unique violation the old
  index raised, under the old index's name: the callers see exactly what they saw. The check-ins'
  ``checkin_client_ids`` (fieldapp/partitions.py) is the same idea, older. Under Citus a trigger may not
  write a shard on another node, so at the move these claims become part of the insert statement itself (a
  CTE); that step belongs to the move and is not done here.
- **People move** (a marriage, a new home in another commune: ``PATCH /persons/{id}`` with a household
  elsewhere). What they hold moves with them (:data:`MOVES_WITH_THE_PERSON`, by the service, its keys to the
  person checked at commit on PostgreSQL); what was done for them stays where it was done, so those rows,
  and a session's attendee from another commune, name a person who may be another commune's
  (:data:`ACROSS_COMMUNES`) and have no foreign key to them. Nothing deletes a person (erasure empties the
  row and keeps it), and every service reads the person before naming them. Under Citus a row's
  distribution column cannot change: the move becomes a copy of the person's rows to the new commune's
  shard and a delete, in one distributed transaction; that step belongs to the move and is not done here.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import UniqueConstraint, text

#: The one co-location group: table → its distribution column.
DISTRIBUTED: dict[str, str] = {
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

#: Distributed tables of a group of their own (nothing points at them, they point at nothing): the values
#: claimed unique across the whole database, distributed by the value.
SEPARATE: dict[str, str] = {"unique_claims": "value", "checkin_client_ids": "client_id"}

#: Copied to every node.
REFERENCE = frozenset({
    "units", "users", "signing_keys", "villages", "teams", "team_members", "organisations",
    "indicator_targets", "population_figures", "ranking_thresholds", "ranking_weights",
})

#: Left on the coordinator: the sessions' tokens and the sync clock are the API's own bookkeeping, read by
#: key and never joined with a commune's rows; the last two are Alembic's and PostGIS's.
LOCAL = frozenset({"auth_tokens", "sync_clock", "alembic_version", "spatial_ref_sys"})

#: (table, column) → the constraint it was unique under: unique across communes through ``unique_claims``.
CLAIMED: dict[tuple[str, str], str] = {
    ("households", "public_id"): "uq_households_public_id",
    ("persons", "public_id"): "uq_persons_public_id",
    ("learning_sessions", "public_id"): "uq_learning_sessions_public_id",
    ("mentorships", "public_id"): "uq_mentorships_public_id",
    ("visits", "public_id"): "uq_visits_public_id",
    ("visits", "client_id"): "uq_visits_client_id",
    ("client_receipts", "client_id"): "uq_client_receipts_client_id",
    ("mentoring_interactions", "client_id"): "uq_mentoring_interactions_client_id",
}
#: Not claimed: a kept upload's token (256 random bits: unique with its commune is unique; kept uploads are
#: deleted when they expire, and their claims would stay behind).

#: (table, column) → why it names a row of another commune, and so has no foreign key.
ACROSS_COMMUNES: dict[tuple[str, str], str] = {
    ("session_attendees", "person_id"): "an attendee may live in another commune than the session",
    ("support_records", "person_id"): "support stays where it was given when the person moves",
    ("checkins", "person_id"): "a scan of a person card stays where it was made when the person moves",
    ("mentorships", "mentee_person_id"): "a mentorship stays in the mentor's commune when the mentee moves",
    ("ambassadors", "promoted_from_person_id"): "an ambassador's commune is their account's, the resident may move",
}

#: Tables whose rows a person holds: when they move to another commune the service moves these rows' commune
#: in the same transaction (fieldapp/services/persons.py, ``_person_move``), their keys to the person being
#: ``DEFERRABLE`` (checked at commit). Not ``ON UPDATE CASCADE``: Citus refuses it on a key holding the
#: distribution column (seen on Citus 13.2).
MOVES_WITH_THE_PERSON = ("person_skills", "skill_events", "platform_confirmations", "organisation_members")

#: The suffix of a key remade with the distribution column (the model's own name stays SQLite's).
SUFFIX = "_commune"


def postgresql_name(name: str) -> str:
    """The name a key gets on PostgreSQL when the distribution column is added to it."""
    return name + SUFFIX


def keys_remade(metadata) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the keys migration 7c3e9a1f5b2d made again on PostgreSQL: those the models (and SQLite)
    have, and those PostgreSQL has instead (for the comparison of models and schema, fieldapp/database.py;
    tests/test_distribution.py checks PostgreSQL's against the rules)."""
    models = set()
    for name, table in metadata.tables.items():
        column = DISTRIBUTED.get(name)
        if column is None:
            continue
        models.update(f.name for f in table.foreign_key_constraints if f.referred_table.name in DISTRIBUTED)
        models.update(c.name for c in table.constraints
                      if isinstance(c, UniqueConstraint) and column not in c.columns.keys())
        models.update(i.name for i in table.indexes if i.unique and column not in i.columns.keys())
    across = {f.name for (t, c) in ACROSS_COMMUNES for f in metadata.tables[t].foreign_key_constraints
              if f.column_keys == [c]}
    postgresql = {postgresql_name(n) for n in models - across} | {"unique_claims"}
    return frozenset(models), frozenset(postgresql)


_TABLES = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""
_KEYS = """
SELECT t.relname, i.relname, i_.indisprimary,
       ARRAY(SELECT a.attname FROM unnest(i_.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k)
FROM pg_index i_ JOIN pg_class t ON t.oid = i_.indrelid JOIN pg_class i ON i.oid = i_.indexrelid
WHERE t.relnamespace = 'public'::regnamespace AND (i_.indisunique OR i_.indisprimary) AND NOT t.relispartition
"""
_FOREIGN_KEYS = """
SELECT t.relname, f.conname, r.relname,
       ARRAY(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n ORDER BY k.o),
       ARRAY(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n ORDER BY k.o),
       f.confupdtype::text, f.confdeltype::text
FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
WHERE f.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
  AND f.conparentid = 0
"""
_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
"""


def distribution_problems(connection, *, distributed: dict[str, str] | None = None,
                          reference: Iterable[str] | None = None) -> list[str]:
    """What Citus would refuse in the connected PostgreSQL database's schema, as sentences (empty:
    none). ``distributed`` and ``reference`` replace the plan's (a test gives a table of its own)."""
    group = dict(DISTRIBUTED if distributed is None else distributed)
    separate = dict(SEPARATE)
    references = frozenset(REFERENCE if reference is None else reference)

    def role(table: str) -> str | None:
        if table in group or table in separate:
            return "distributed"
        if table in references:
            return "reference"
        return "local" if table in LOCAL else None

    def column_of(table: str) -> str | None:
        return group.get(table) or separate.get(table)

    problems = []
    columns = {(t, c): (kind, not_null) for t, c, kind, not_null in connection.execute(text(_COLUMNS))}
    for (table,) in connection.execute(text(_TABLES)):
        if role(table) is None:
            problems.append(f"{table}: not in the plan (fieldapp/distribution.py): distributed, reference or local?")
        column = column_of(table)
        if column is not None and not columns.get((table, column), (None, False))[1]:
            problems.append(f"{table}: no NOT NULL distribution column {column}")
    kinds = {columns.get((t, c), (None,))[0] for t, c in group.items()}
    if len(kinds) > 1:
        problems.append(f"the co-located distribution columns differ in type: {sorted(map(str, kinds))}")
    for table, index, primary, keyed in connection.execute(text(_KEYS)):
        column = column_of(table)
        if column is not None and column not in keyed:
            what = "primary key" if primary else "unique index"
            problems.append(f"{table}: {what} {index} ({', '.join(keyed)}) lacks {column}")
    for table, name, target, own, theirs, on_update, on_delete in connection.execute(text(_FOREIGN_KEYS)):
        mine, its = role(table), role(target)
        if its == "reference" or (mine == "local" and its == "local"):
            continue
        if mine == "distributed" and its == "distributed":
            pairs = dict(zip(own, theirs, strict=True))
            if table in group and target in group and pairs.get(group[table]) == group[target]:
                if on_update in "cnd" or on_delete in "nd":
                    problems.append(f"{table}: foreign key {name} to {target} would change or empty the "
                                    "distribution column (ON UPDATE CASCADE / SET NULL / SET DEFAULT, ON DELETE "
                                    "SET NULL / SET DEFAULT)")
                continue
            problems.append(f"{table}: foreign key {name} to {target} does not join on the distribution columns")
            continue
        problems.append(f"{table} ({mine}): foreign key {name} to {target} ({its}) is not allowed")
    return problems
