"""Roll-ups of what the indicators count, kept exact by the write path in the same transaction as the
evidence (issue 17), so that a commune's or a province's indicators read a few thousand counters, not
millions of records, however long the history grows.

DHIS2 computes its program indicators at query time and rebuilds analytics tables in batch for hours;
``REFRESH MATERIALIZED VIEW`` rebuilds everything each time. Here every flush that changes a counted
row moves the counters it belongs to, by one flush hook (:func:`_tallies_on_flush`) for every ORM
write, whichever service makes it (as the sync stamp's hook, fieldapp/models/sync.py). A Core
``UPDATE`` of these tables would pass it by, so there is none.

Four roll-ups, each a counter table and, where an object's place in it must be remembered, a table of
which counter each object is in:

- :class:`PersonTally`: people by commune, sex, birth year, target groups, priority groups and the
  facts the indicators ask of them (basic skills, confirmed on VNeID, a digital identity, a digital
  bank account). People who withdrew consent or were erased are in none (Decree 13/2023 art. 12:
  their data is no longer used). Each person's key, with their village, is in :class:`PersonTallyKey`,
  which a village's figures group (a village's people are a few thousand rows).
- :class:`HouseholdTally`: households by commune, village, Digital Family and priority flags.
- :class:`SupportTally`: support records by commune, Vietnam's day, skill, channel and evidence status
  (counted and held side by side: held back is shown beside, never counted). A village's support is
  read from its records (a village's quarter is a few thousand).

Why communes and not villages: at a province's size (4,000,000 people, 10,000,000 records) a key
with the village in it is nearly one row per person or record, no roll-up at all; by commune a
province's quarter is a few hundred thousand counters (bench/indicators.py, bench/RESULTS.md).
- :class:`ReachTally`: unique people reached by counted support in each named period (month, quarter,
  reporting quarter, year, phase: fieldapp/periods.py), in the commune and village of their first
  counted support of the period; :class:`SupportReach` remembers each person's.

The rules of what a key is are functions of one object's state (:func:`person_key`, ...); the
bookkeeping moves an object's count from its old key to its new one. ``tallies_recount`` (selectors)
recomputes every table from the records, and a test keeps the two equal.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, SmallInteger, String, delete, event, func, inspect, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus, SkillStatus
from fieldapp.models.households import Household
from fieldapp.models.persons import Person, TargetGroup, target_group_column
from fieldapp.models.sessions import LearningSession, SessionKind
from fieldapp.models.skills import PersonSkill, Skill, holds_basic_skills
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.visits import Visit
from fieldapp.periods import local_day, reach_keys

# --- the bits of the keys ---------------------------------------------------------------------------

#: ``groups``: one bit per target group, in the order of ``TargetGroup``.
GROUP_BITS = {group: 1 << n for n, group in enumerate(TargetGroup)}
#: ``priority``: the plans' priority groups a person's own row and household say (the elderly are read
#: from the birth year).
DISABILITY, ETHNIC_MINORITY, POOR_HOUSEHOLD, REMOTE_AREA = 1, 2, 4, 8
#: ``facts``: what the indicators ask of a person, on confirmed skills only.
BASIC_SKILLS, VNEID_CONFIRMED, DIGITAL_IDENTITY, DIGITAL_BANK_ACCOUNT = 1, 2, 4, 8
#: ``facts``: would hold the basic skills if the skills held back (claimed) counted: shown beside, never counted.
BASIC_SKILLS_HELD_BACK = 16
#: ``flags`` of a household.
DIGITAL_FAMILY = 1

#: A person's key (what :class:`PersonTallyKey` holds); their counter's is the same without the village.
PERSON_KEY = ("commune_code", "village_id", "sex", "birth_year", "groups", "priority", "facts")
PERSON_COUNTER = ("commune_code", "sex", "birth_year", "groups", "priority", "facts")
HOUSEHOLD_KEY = ("commune_code", "village_id", "flags")
SUPPORT_KEY = ("commune_code", "day", "skill", "channel", "status")
REACH_KEY = ("commune_code", "village_id", "period")
VISIT_KEY = ("commune_code", "day", "proof", "status")


class PersonTally(db.Model):
    """How many people hold one combination of the key's values (counted: not withdrawn, not erased)."""

    __tablename__ = "person_tallies"

    #: The people's commune.
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: ``male``, ``female``, ``other``, or empty when not recorded.
    sex: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: Their birth year; 0 when unknown (no age cohort).
    birth_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: Target groups, a bit each (``GROUP_BITS``).
    groups: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: Priority groups, a bit each (``DISABILITY``, ``ETHNIC_MINORITY``, ``POOR_HOUSEHOLD``, ``REMOTE_AREA``).
    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: Facts, a bit each (``BASIC_SKILLS``, ``VNEID_CONFIRMED``, ``DIGITAL_IDENTITY``, ``DIGITAL_BANK_ACCOUNT``).
    facts: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: How many people (0 is kept: a row once used stays).
    people: Mapped[int] = mapped_column(Integer, default=0)


class PersonTallyKey(db.Model):
    """The counter a person is in now; no row while they are in none (withdrawn, erased)."""

    __tablename__ = "person_tally_keys"

    #: The person (``persons.id``; no foreign key: a deleted person's row goes with its count).
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The key's commune (row-level security reads it).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: The person's village (not in the counter's key: a village's figures group these rows).
    village_id: Mapped[int] = mapped_column(Integer)
    #: The key's sex ('' unknown).
    sex: Mapped[str] = mapped_column(String(8))
    #: The key's birth year (0 unknown).
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    #: The key's target groups.
    groups: Mapped[int] = mapped_column(SmallInteger)
    #: The key's priority groups.
    priority: Mapped[int] = mapped_column(SmallInteger)
    #: The key's facts.
    facts: Mapped[int] = mapped_column(SmallInteger)


class HouseholdTally(db.Model):
    """How many households of a village have one combination of flags."""

    __tablename__ = "household_tallies"

    #: The households' commune.
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: Their village.
    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``DIGITAL_FAMILY`` and the priority bits ``POOR_HOUSEHOLD``, ``ETHNIC_MINORITY``, ``REMOTE_AREA``.
    flags: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: How many households.
    households: Mapped[int] = mapped_column(Integer, default=0)


class HouseholdTallyKey(db.Model):
    """The counter a household is in now."""

    __tablename__ = "household_tally_keys"

    #: The household (``households.id``).
    household_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The key's commune (row-level security reads it).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: The key's village.
    village_id: Mapped[int] = mapped_column(Integer)
    #: The key's flags.
    flags: Mapped[int] = mapped_column(SmallInteger)


class SupportTally(db.Model):
    """How many support records of a commune, day, skill, channel and status."""

    __tablename__ = "support_tallies"
    #: A period's counters read from the index alone (PostgreSQL's INCLUDE; a province's quarter is
    #: hundreds of thousands of counters).
    __table_args__ = (Index("ix_support_tallies_commune_day", "commune_code", "day",
                            postgresql_include=["skill", "channel", "status", "records"]),)

    #: The records' commune.
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: Vietnam's calendar day of ``supported_at``.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: The skill (``Skill``'s value).
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The channel (:func:`support_channel`): ``visit``, ``session``, ``one_stop_desk``, ``mentoring``, ``import``,
    #: ``other``.
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The evidence status (``counted``, ``held``, ``rejected``).
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: How many records.
    records: Mapped[int] = mapped_column(Integer, default=0)


class SupportReach(db.Model):
    """A person reached by counted support in a named period, and where the period's first was."""

    __tablename__ = "support_reach"

    #: The person supported.
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The period's name (``2026-09``, ``2026-Q3``, ``2026-R3``, ``2026``, ``phase-1``).
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The commune of the period's first counted support record (row-level security reads it).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: Its village.
    village_id: Mapped[int] = mapped_column(Integer)


class ReachTally(db.Model):
    """How many people a village's counted support reached in a named period (each person once)."""

    __tablename__ = "reach_tallies"

    #: The commune.
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: The village.
    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The period's name.
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: How many people.
    people: Mapped[int] = mapped_column(Integer, default=0)


class VisitTally(db.Model):
    """How many door-to-door visits of a commune, day, proof and evidence status."""

    __tablename__ = "visit_tallies"

    #: The visits' commune.
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: Vietnam's calendar day of ``visited_at``.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: What proved presence (:func:`visit_proof`): ``qr_plate``, ``gps`` or ``none``.
    proof: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The evidence status (``counted``, ``held``, ``rejected``).
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: How many visits.
    visits: Mapped[int] = mapped_column(Integer, default=0)


# --- the rules: an object's key -----------------------------------------------------------------------


#: The columns the keys read (by name: a roll-up reads only what its rule needs).
PERSON_COLUMNS = ("id", "household_id", "commune_code", "village_id", "sex", "birth_year",
                  *(target_group_column(g) for g in TargetGroup), "has_disability", "is_ethnic_minority",
                  "consent_withdrawn_at", "erased_at")
HOUSEHOLD_COLUMNS = ("id", "commune_code", "village_id", "digital_family_at", "is_poor", "is_ethnic_minority",
                     "is_remote")


def _columns(table, names):
    return [table.c[name] for name in names]


def person_key(row, confirmed: set[Skill], household_flags: tuple[bool, bool], claimed: set[Skill] = frozenset()
               ) -> tuple | None:
    """The counter a person is in: ``row`` has the person's columns, ``confirmed`` their confirmed
    skills and ``claimed`` those held back, ``household_flags`` their household's (poor, remote). None:
    not counted."""
    if row.erased_at is not None or row.consent_withdrawn_at is not None:
        return None
    groups = sum(bit for group, bit in GROUP_BITS.items() if getattr(row, target_group_column(group)))
    poor, remote = household_flags
    priority = ((DISABILITY if row.has_disability else 0) | (ETHNIC_MINORITY if row.is_ethnic_minority else 0)
                | (POOR_HOUSEHOLD if poor else 0) | (REMOTE_AREA if remote else 0))
    facts = ((BASIC_SKILLS if holds_basic_skills(confirmed) else 0)
             | (VNEID_CONFIRMED if Skill.vneid_programme_confirmed in confirmed else 0)
             | (DIGITAL_IDENTITY if Skill.vneid_level2 in confirmed else 0)
             | (DIGITAL_BANK_ACCOUNT if Skill.digital_bank_account in confirmed else 0))
    if not facts & BASIC_SKILLS and claimed and holds_basic_skills(confirmed | claimed):
        facts |= BASIC_SKILLS_HELD_BACK
    sex = row.sex.value if hasattr(row.sex, "value") else (row.sex or "")
    return (row.commune_code, row.village_id, sex, row.birth_year or 0, groups, priority, facts)


def household_key(row) -> tuple:
    flags = ((DIGITAL_FAMILY if row.digital_family_at is not None else 0) | (POOR_HOUSEHOLD if row.is_poor else 0)
             | (ETHNIC_MINORITY if row.is_ethnic_minority else 0) | (REMOTE_AREA if row.is_remote else 0))
    return (row.commune_code, row.village_id, flags)


def _value(v):
    return v.value if hasattr(v, "value") else v


#: The channel of support given at a session of the one-stop desk (the plans' "hỗ trợ tại bộ phận một cửa").
ONE_STOP_DESK = "one_stop_desk"


def support_channel(source_kind, source_id, desks: set[str]) -> str:
    """How the support was given: the record's ``source_kind`` (``visit``, ``session``, ``mentoring``,
    ``import``, ``other``), except that a session of the one-stop desk (``desks``: their public ids) is the
    channel ``one_stop_desk`` of its own."""
    kind = _value(source_kind)
    return ONE_STOP_DESK if kind == "session" and source_id in desks else kind


def person_counter(key: tuple | None) -> tuple | None:
    """The counter of a person's key (:data:`PERSON_COUNTER`: the key without the village)."""
    return None if key is None else (key[0], *key[2:])


def support_key(commune_code, supported_at, skill, source_kind, evidence_status, source_id=None,
                desks: set[str] = frozenset()) -> tuple:
    return (commune_code, local_day(supported_at), _value(skill),
            support_channel(source_kind, source_id, desks), _value(evidence_status))


def _desk_sessions(conn, source_ids) -> set[str]:
    """Which of these sessions (public ids) are one-stop desk sessions."""
    ids = sorted({i for i in source_ids if i})
    if not ids:
        return set()
    table = LearningSession.__table__
    return set(conn.scalars(select(table.c.public_id).where(table.c.public_id.in_(ids),
                                                            table.c.kind == SessionKind.one_stop_desk)))


#: The flags that say a visit's GPS does not prove it was at the house (fieldapp/services/judgement.py).
_GPS_UNPROVEN = frozenset({"no_gps", "far_from_site", "mock_location", "low_gps_accuracy"})


def visit_proof(flags) -> str:
    """What proved a visit: the household's own plate scanned (no plate flag), else a GPS fix at the
    house (no GPS flag), else nothing."""
    flags = set(flags or ())
    if "no_plate_scan" not in flags and not any(f.startswith("plate_") for f in flags):
        return "qr_plate"
    if not flags & _GPS_UNPROVEN:
        return "gps"
    return "none"


def visit_key(commune_code, visited_at, flags, evidence_status) -> tuple:
    return (commune_code, local_day(visited_at), visit_proof(flags), _value(evidence_status))


def reach_of(records) -> dict[str, tuple[str, int]]:
    """A person's reach: for each named period, the commune and village of their first counted support
    record in it. ``records``: (id, commune_code, village_id, supported_at, evidence_status)."""
    reach: dict[str, tuple[str, int]] = {}
    counted = [r for r in records if _value(r[4]) == EvidenceStatus.counted.value]
    for _id, commune, village, supported_at, _status in sorted(counted, key=lambda r: (r[3], r[0])):
        for period in reach_keys(local_day(supported_at)):
            reach.setdefault(period, (commune, village))
    return reach


# --- the bookkeeping ----------------------------------------------------------------------------------


def _upsert(conn, table, key_names, counts: dict[tuple, int], column: str) -> None:
    """Add each delta to its counter, creating it at the delta; in key order (no two transactions
    wait on each other's counters in opposite orders)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    rows = [{**dict(zip(key_names, key, strict=True)), column: counts[key]}
            for key in sorted(k for k, delta in counts.items() if delta)]
    # Many rows a statement (a visit of three people moves a dozen counters: one round trip, not a
    # dozen), in lists that stay under SQLite's oldest limit of 999 parameters.
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        statement = insert(table).values(rows[start:start + _ROWS_PER_STATEMENT])
        conn.execute(statement.on_conflict_do_update(
            index_elements=list(key_names), set_={column: table.c[column] + statement.excluded[column]}))


#: Rows of one multi-row statement: 7 columns of the widest key and its count, under 999 parameters.
_ROWS_PER_STATEMENT = 100


def _replace_keys(conn, table, id_column: str, gone: list, rows: list[dict]) -> None:
    """Delete the key rows of ``gone`` (ids, or tuples of the primary key's columns) and insert ``rows``:
    a statement each, not one per object."""
    for start in range(0, len(gone), _ROWS_PER_STATEMENT):
        chunk = gone[start:start + _ROWS_PER_STATEMENT]
        if isinstance(chunk[0], tuple):
            conn.execute(delete(table).where(tuple_(*(table.c[c] for c in id_column.split(","))).in_(chunk)))
        else:
            conn.execute(delete(table).where(table.c[id_column].in_(chunk)))
    if rows:
        conn.execute(table.insert(), rows)


def _move(counts: dict, old, new) -> None:
    if old == new:
        return
    if old is not None:
        counts[old] = counts.get(old, 0) - 1
    if new is not None:
        counts[new] = counts.get(new, 0) + 1


def _lock_persons(conn, person_ids) -> None:
    """PostgreSQL: hold the people's rows, so that two transactions moving one person's counters (a
    visit and a session at once) take turns and the second reads what the first wrote."""
    if conn.dialect.name == "postgresql" and person_ids:
        conn.execute(select(Person.id).where(Person.id.in_(sorted(person_ids))).order_by(Person.id)
                     .with_for_update())


def _skills_by_status(conn, *where) -> tuple[dict[int, set[Skill]], dict[int, set[Skill]]]:
    """The people's confirmed skills and their claimed ones."""
    table = PersonSkill.__table__
    confirmed: dict[int, set[Skill]] = {}
    claimed: dict[int, set[Skill]] = {}
    for person_id, skill, status in conn.execute(select(table.c.person_id, table.c.skill, table.c.status)
                                                 .where(*where)):
        held = confirmed if status == SkillStatus.confirmed else claimed  # a str enum: either form compares
        held.setdefault(person_id, set()).add(Skill(skill))
    return confirmed, claimed


def _persons_retally(conn, person_ids: set[int]) -> None:
    ids = sorted(person_ids)
    person_table, skills_table = Person.__table__, PersonSkill.__table__
    rows = {row.id: row for row in conn.execute(
        select(*_columns(person_table, PERSON_COLUMNS), Household.__table__.c.is_poor,
               Household.__table__.c.is_remote)
        .join(Household.__table__, Household.__table__.c.id == person_table.c.household_id)
        .where(person_table.c.id.in_(ids)))}
    confirmed, claimed = _skills_by_status(conn, skills_table.c.person_id.in_(ids))
    keys_table = PersonTallyKey.__table__
    stored = {row.person_id: tuple(getattr(row, c) for c in PERSON_KEY)
              for row in conn.execute(select(keys_table).where(keys_table.c.person_id.in_(ids)))}
    counts: dict[tuple, int] = {}
    gone, written = [], []
    for person_id in ids:
        row = rows.get(person_id)
        new = None if row is None else person_key(row, confirmed.get(person_id, set()), (row.is_poor, row.is_remote),
                                                  claimed.get(person_id, set()))
        old = stored.get(person_id)
        if old == new:
            continue
        _move(counts, person_counter(old), person_counter(new))
        if old is not None:
            gone.append(person_id)
        if new is not None:
            written.append({"person_id": person_id, **dict(zip(PERSON_KEY, new, strict=True))})
    _replace_keys(conn, keys_table, "person_id", gone, written)
    _upsert(conn, PersonTally.__table__, PERSON_COUNTER, counts, "people")


def _households_retally(conn, household_ids: set[int]) -> None:
    ids = sorted(household_ids)
    table, keys_table = Household.__table__, HouseholdTallyKey.__table__
    rows = {row.id: row for row in conn.execute(select(*_columns(table, HOUSEHOLD_COLUMNS))
                                                .where(table.c.id.in_(ids)))}
    stored = {row.household_id: tuple(getattr(row, c) for c in HOUSEHOLD_KEY)
              for row in conn.execute(select(keys_table).where(keys_table.c.household_id.in_(ids)))}
    counts: dict[tuple, int] = {}
    gone, written = [], []
    for household_id in ids:
        new = household_key(rows[household_id]) if household_id in rows else None
        old = stored.get(household_id)
        if old == new:
            continue
        _move(counts, old, new)
        if old is not None:
            gone.append(household_id)
        if new is not None:
            written.append({"household_id": household_id, **dict(zip(HOUSEHOLD_KEY, new, strict=True))})
    _replace_keys(conn, keys_table, "household_id", gone, written)
    _upsert(conn, HouseholdTally.__table__, HOUSEHOLD_KEY, counts, "households")


def _reach_retally(conn, person_ids: set[int]) -> None:
    ids = sorted(person_ids)
    records_table, reach_table = SupportRecord.__table__, SupportReach.__table__
    records: dict[int, list] = {}
    for row in conn.execute(select(records_table.c.person_id, records_table.c.id, records_table.c.commune_code,
                                   records_table.c.village_id, records_table.c.supported_at,
                                   records_table.c.evidence_status)
                            .where(records_table.c.person_id.in_(ids))):
        records.setdefault(row[0], []).append(tuple(row[1:]))
    stored: dict[int, dict[str, tuple]] = {}
    for row in conn.execute(select(reach_table).where(reach_table.c.person_id.in_(ids))):
        stored.setdefault(row.person_id, {})[row.period] = (row.commune_code, row.village_id)
    counts: dict[tuple, int] = {}
    gone, written = [], []
    for person_id in ids:
        new, old = reach_of(records.get(person_id, [])), stored.get(person_id, {})
        for period in sorted(set(new) | set(old)):
            before, after = old.get(period), new.get(period)
            if before == after:
                continue
            _move(counts, before and (*before, period), after and (*after, period))
            if before is not None:
                gone.append((person_id, period))
            if after is not None:
                written.append({"person_id": person_id, "period": period, "commune_code": after[0],
                                "village_id": after[1]})
    _replace_keys(conn, reach_table, "person_id,period", gone, written)
    _upsert(conn, ReachTally.__table__, REACH_KEY, counts, "people")


def _history_value(state, name):
    """The value an attribute had before this flush (its committed value), and whether it changed."""
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0], True
    return (history.unchanged[0] if history.unchanged else None), bool(history.added)


_SUPPORT_FIELDS = ("commune_code", "supported_at", "skill", "source_kind", "evidence_status", "source_id")
_SOURCE_KIND, _SOURCE_ID = _SUPPORT_FIELDS.index("source_kind"), _SUPPORT_FIELDS.index("source_id")
_HOUSEHOLD_PEOPLE_FIELDS = ("is_poor", "is_remote")
_VISIT_FIELDS = ("commune_code", "visited_at", "flags", "evidence_status")


@event.listens_for(Session, "after_flush")
def _tallies_on_flush(session: Session, _context) -> None:
    """Move the counters of everything this flush wrote: the people changed (their own row, their
    skills, their household's priority flags), the households, the support records and the reach of
    the people they support."""
    people: set[int] = set()
    households: set[int] = set()
    reached: set[int] = set()
    moved_flags: set[int] = set()
    support_counts: dict[tuple, int] = {}
    support_moves: list[tuple[list | None, list | None]] = []
    visit_counts: dict[tuple, int] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Person):
            people.add(obj.id)
        elif isinstance(obj, PersonSkill):
            people.add(obj.person_id)
        elif isinstance(obj, Household):
            households.add(obj.id)
            state = inspect(obj)
            if obj in session.dirty and any(_history_value(state, f)[1] for f in _HOUSEHOLD_PEOPLE_FIELDS):
                moved_flags.add(obj.id)
        elif isinstance(obj, SupportRecord):
            state = inspect(obj)
            new = None if obj in session.deleted else [getattr(obj, f) for f in _SUPPORT_FIELDS]
            if obj in session.new:
                old = None
            else:
                values = [_history_value(state, f) for f in _SUPPORT_FIELDS]
                if obj not in session.deleted and not any(changed for _v, changed in values):
                    continue
                old = [value for value, _changed in values]
            support_moves.append((old, new))
            reached.add(obj.person_id)
        elif isinstance(obj, Visit):
            new = None if obj in session.deleted else visit_key(*(getattr(obj, f) for f in _VISIT_FIELDS))
            if obj in session.new:
                old = None
            else:
                values = [_history_value(inspect(obj), f) for f in _VISIT_FIELDS]
                if obj not in session.deleted and not any(changed for _v, changed in values):
                    continue
                old = visit_key(*(value for value, _changed in values))
            _move(visit_counts, old, new)
    people.discard(None)
    if not (people or households or reached or support_moves or moved_flags or visit_counts):
        return
    conn = session.connection()
    if support_moves:
        desks = _desk_sessions(conn, [v[_SOURCE_ID] for pair in support_moves for v in pair
                                      if v is not None and _value(v[_SOURCE_KIND]) == "session"])
        for old, new in support_moves:
            _move(support_counts, old and support_key(*old, desks=desks), new and support_key(*new, desks=desks))
    if moved_flags:  # a household's priority flags are its members' too
        people.update(conn.scalars(select(Person.id).where(Person.household_id.in_(sorted(moved_flags)))))
    _lock_persons(conn, people | reached)
    if people:
        _persons_retally(conn, people)
    if households:
        _households_retally(conn, households)
    if support_counts:
        _upsert(conn, SupportTally.__table__, SUPPORT_KEY, support_counts, "records")
    if reached:
        _reach_retally(conn, reached)
    if visit_counts:
        _upsert(conn, VisitTally.__table__, VISIT_KEY, visit_counts, "visits")


def tallies_retally(session: Session, *, household_ids=()) -> None:
    """Move the counters of rows a bulk insert wrote past the flush hook (the household import): the
    households given and every person of theirs."""
    conn = session.connection()
    ids = sorted(set(household_ids))
    if not ids:
        return
    people = set(conn.scalars(select(Person.id).where(Person.household_id.in_(ids))))
    _lock_persons(conn, people)
    _households_retally(conn, set(ids))
    if people:
        _persons_retally(conn, people)


def tallied_tables():
    """Every roll-up table, counters and key tables (the recount and the rebuild walk them)."""
    return (PersonTally, PersonTallyKey, HouseholdTally, HouseholdTallyKey, SupportTally, SupportReach, ReachTally,
            VisitTally)



# --- the recount --------------------------------------------------------------------------------------


#: Rows fetched at a time by the recount's passes, and people per batch of the people's pass: a
#: province's 4,000,000 people and 10,000,000 records are streamed, never held whole.
_STREAM_ROWS, _PEOPLE_PER_BATCH = 20_000, 50_000


def _recount(conn, emit) -> dict[str, dict[tuple, int]]:
    """Every roll-up as the records say it should be, computed from scratch, each table streamed once:
    ``emit(table, key, value)`` is called with each row of a key table as it is found (the people's,
    households' and reach's: millions of rows), and the counters are returned, by table."""

    def streamed(query):  # a server-side cursor on PostgreSQL, fetched a batch at a time
        return conn.execute(query.execution_options(yield_per=_STREAM_ROWS))

    household_table, person_table = Household.__table__, Person.__table__
    household_counts: dict[tuple, int] = {}
    for row in streamed(select(*_columns(household_table, HOUSEHOLD_COLUMNS))):
        key = household_key(row)
        household_counts[key] = household_counts.get(key, 0) + 1
        emit("household_tally_keys", (row.id,), key)
    people: dict[tuple, int] = {}
    low, high = conn.execute(select(func.min(person_table.c.id), func.max(person_table.c.id))).one()
    for first in range(low or 0, (high or -1) + 1, _PEOPLE_PER_BATCH):
        last = first + _PEOPLE_PER_BATCH - 1
        confirmed, claimed = _skills_by_status(conn, PersonSkill.__table__.c.person_id.between(first, last))
        for row in conn.execute(select(*_columns(person_table, PERSON_COLUMNS), household_table.c.is_poor,
                                       household_table.c.is_remote)
                                .join(household_table, household_table.c.id == person_table.c.household_id)
                                .where(person_table.c.id.between(first, last))):
            key = person_key(row, confirmed.get(row.id, set()), (row.is_poor, row.is_remote),
                             claimed.get(row.id, set()))
            if key is not None:
                counter = person_counter(key)
                people[counter] = people.get(counter, 0) + 1
                emit("person_tally_keys", (row.id,), key)
    sessions_table = LearningSession.__table__
    desks = set(conn.scalars(select(sessions_table.c.public_id).where(
        sessions_table.c.kind == SessionKind.one_stop_desk)))
    records_table = SupportRecord.__table__
    support: dict[tuple, int] = {}
    reach: dict[tuple, int] = {}

    def reached(person_id, records):
        for period, (commune, village) in reach_of(records).items():
            reach[(commune, village, period)] = reach.get((commune, village, period), 0) + 1
            emit("support_reach", (person_id, period), (commune, village))

    # The columns by name, not the table: the migration that made the roll-ups runs this, and must
    # not read columns that later migrations add (support_records.organisation_id). By person: the
    # reach of each is decided by their records of each period together.
    person_id, records = None, []
    for row in streamed(select(records_table.c.id, records_table.c.person_id, records_table.c.commune_code,
                                       records_table.c.village_id, records_table.c.supported_at,
                                       records_table.c.skill, records_table.c.source_kind,
                                       records_table.c.source_id, records_table.c.evidence_status)
                                .order_by(records_table.c.person_id)):
        key = support_key(row.commune_code, row.supported_at, row.skill, row.source_kind, row.evidence_status,
                          row.source_id, desks)
        support[key] = support.get(key, 0) + 1
        if row.person_id != person_id:
            if records:
                reached(person_id, records)
            person_id, records = row.person_id, []
        records.append((row.id, row.commune_code, row.village_id, row.supported_at, row.evidence_status))
    if records:
        reached(person_id, records)
    visits: dict[tuple, int] = {}
    visit_table = Visit.__table__
    for row in streamed(select(visit_table.c.commune_code, visit_table.c.visited_at, visit_table.c.flags,
                                       visit_table.c.evidence_status)):
        key = visit_key(*row)
        visits[key] = visits.get(key, 0) + 1
    return {"visit_tallies": visits, "person_tallies": people, "household_tallies": household_counts,
            "support_tallies": support, "reach_tallies": reach}


def tallies_recount(conn) -> dict[str, dict[tuple, int]]:
    """Every counter and key as the records say it should be, computed from scratch, by table: what
    the write path must always equal (tests/test_tallies.py, ``fieldapp tallies check``), and what
    :func:`tallies_rebuild` writes."""
    keys: dict[str, dict[tuple, tuple]] = {"person_tally_keys": {}, "household_tally_keys": {}, "support_reach": {}}

    def emit(table, key, value):
        keys[table][key] = value

    return {**_recount(conn, emit), **keys}


def tallies_stored(conn) -> dict[str, dict[tuple, int]]:
    """The counters as they are stored, in the shape of :func:`tallies_recount` (counters at 0 left out)."""
    found: dict[str, dict] = {}
    for model, key, value in ((PersonTally, PERSON_COUNTER, "people"), (HouseholdTally, HOUSEHOLD_KEY, "households"),
                              (SupportTally, SUPPORT_KEY, "records"), (ReachTally, REACH_KEY, "people"),
                              (VisitTally, VISIT_KEY, "visits")):
        table = model.__table__
        found[table.name] = {tuple(getattr(row, c) for c in key): getattr(row, value)
                             for row in conn.execute(select(table).where(table.c[value] != 0))}
    found["person_tally_keys"] = {(row.person_id,): tuple(getattr(row, c) for c in PERSON_KEY)
                                  for row in conn.execute(select(PersonTallyKey.__table__))}
    found["household_tally_keys"] = {(row.household_id,): tuple(getattr(row, c) for c in HOUSEHOLD_KEY)
                                     for row in conn.execute(select(HouseholdTallyKey.__table__))}
    found["support_reach"] = {(row.person_id, row.period): (row.commune_code, row.village_id)
                              for row in conn.execute(select(SupportReach.__table__))}
    return found


#: How each table's rows are written by the rebuild: its columns, from a (key, value) pair.
_ROW_SHAPES = {
    "person_tallies": (PERSON_COUNTER + ("people",), lambda k, v: (*k, v)),
    "household_tallies": (HOUSEHOLD_KEY + ("households",), lambda k, v: (*k, v)),
    "support_tallies": (SUPPORT_KEY + ("records",), lambda k, v: (*k, v)),
    "reach_tallies": (REACH_KEY + ("people",), lambda k, v: (*k, v)),
    "visit_tallies": (VISIT_KEY + ("visits",), lambda k, v: (*k, v)),
    "person_tally_keys": (("person_id",) + PERSON_KEY, lambda k, v: (k[0], *v)),
    "household_tally_keys": (("household_id",) + HOUSEHOLD_KEY, lambda k, v: (k[0], *v)),
    "support_reach": (("person_id", "period", "commune_code", "village_id"), lambda k, v: (*k, *v)),
}


class _Writer:
    """Rows to a table in batches: PostgreSQL's COPY (the bulk load it is made for, several times an
    INSERT's speed) where row-level security does not bind the role (COPY FROM refuses it: the owner,
    as an operator's rebuild runs), else many-row INSERTs."""

    BATCH = 10_000

    def __init__(self, conn, progress=None):
        self.conn, self.progress = conn, progress
        self.pending: dict[str, list[tuple]] = {}
        self.written: dict[str, int] = {}
        self.copy = conn.dialect.name == "postgresql" and not conn.scalar(
            text("SELECT row_security_active('person_tallies')"))

    def add(self, table: str, key, value) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(_ROW_SHAPES[table][1](key, value))
        if len(rows) >= self.BATCH:
            self.flush(table)

    def flush(self, table: str, total: int | None = None) -> None:
        rows, columns = self.pending.pop(table, []), _ROW_SHAPES[table][0]
        if rows:
            if self.copy:
                cursor = self.conn.connection.driver_connection.cursor()
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                self.conn.execute(db.metadata.tables[table].insert(), [dict(zip(columns, r, strict=True))
                                                                      for r in rows])
        self.written[table] = self.written.get(table, 0) + len(rows)
        if self.progress:
            self.progress(table, self.written[table], total or self.written[table])


def tallies_rebuild(conn, *, progress=None) -> dict[str, int]:
    """Empty every roll-up and fill it again from the records (``fieldapp tallies rebuild`` after a
    restore, or an upgrade onto records), streaming: the key tables are written as the recount finds
    their rows, the counters at the end; the rows written, by table. One transaction: the figures
    read the old roll-ups until it commits."""
    for model in reversed(tallied_tables()):
        conn.execute(delete(model.__table__))
    writer = _Writer(conn, progress)
    counters = _recount(conn, writer.add)
    for table in ("person_tally_keys", "household_tally_keys", "support_reach"):
        writer.flush(table)
    for table, counts in counters.items():
        for key, value in counts.items():
            if value:
                writer.add(table, key, value)
        writer.flush(table, total=sum(1 for v in counts.values() if v))
    return {table: writer.written.get(table, 0) for table in _ROW_SHAPES}
