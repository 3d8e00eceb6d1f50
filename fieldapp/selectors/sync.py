"""What a phone pulls: the rows of its scope that changed in a window of commit order.

A window is ``[since, upto)`` of the stamps of fieldapp/models/sync.py. ``upto`` is taken by
:func:`sync_position` when a pull starts; every stamp below it belongs to a transaction that has
finished, so a row can never appear later below a position already read (the proof is in
mobile_contract/sync.md, the test in tests/test_sync_pull.py). A window from 0 is a full pull.

The scope is the worklist's (:func:`fieldapp.selectors.households.worklist_household_ids`): the
households assigned to the caller now and their people; the sessions of the caller's teams; the QR
keys; the decisions of officers on the caller's own check-ins and visits. What left it comes back as
a tombstone, decided from the current state: a household whose assignment to the caller changed in
the window and that is not assigned to the caller now; a person of an assigned household who has
since withdrawn consent or been erased.

Every phase reads by id, after the last id of the page before (``after``), at most ``limit`` rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.assignments import Assignment
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import EvidenceReview
from fieldapp.models.households import Household
from fieldapp.models.keys import SigningKey
from fieldapp.models.persons import Person
from fieldapp.models.sessions import LearningSession
from fieldapp.models.sync import SyncClock
from fieldapp.models.teams import Team, TeamMember
from fieldapp.models.visits import Visit
from fieldapp.selectors.households import worklist_household_ids

#: The phases of a pull, in order; a cursor names the phase it stopped in.
PHASES = ("households", "persons", "sessions", "qr_keys", "reviews")

#: A full pull brings the sessions that end from this long ago on (older ones are history, not work).
FULL_PULL_SESSIONS_SINCE = timedelta(days=30)


@dataclass(frozen=True)
class Window:
    since: int
    upto: int

    @property
    def full(self) -> bool:
        return self.since == 0

    def holds(self, column):
        return and_(column >= self.since, column < self.upto)


@dataclass(frozen=True)
class Page:
    """Rows of one phase, by id: ``(id, record)`` for what the phone keeps, ``(id, public id)`` for
    tombstones (id ``None``: read at the end of the phase). ``last_id``: the last id read; ``more``:
    rows are left after it."""

    records: list[tuple[int, object]]
    tombstones: list[tuple[int | None, str]]
    last_id: int | None
    more: bool


def sync_position() -> int:
    """The position below which every stamp belongs to a finished transaction.

    PostgreSQL: the snapshot's ``xmin``, the oldest transaction still running (or the next to start).
    SQLite: one more than the clock; the pull's own transaction holds the database, so no writer is
    between its stamp and its commit.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return int(db.session.scalar(select(db.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))))
    return int(db.session.scalar(select(SyncClock.value).where(SyncClock.id == 1)) or 0) + 1


def _assigned_now(caller: Caller):
    """SQL: the household is assigned to the caller now (an alias: the query joins assignments too)."""
    active = aliased(Assignment)
    return exists().where(active.household_id == Household.id, active.volunteer_id == caller.user_id,
                          active.ended_at.is_(None))


def _assigned_in(caller: Caller, window: Window) -> list[int]:
    """The households whose assignment to the caller, active now, was made in the window."""
    return list(db.session.scalars(select(Assignment.household_id).where(
        Assignment.volunteer_id == caller.user_id, Assignment.ended_at.is_(None), window.holds(Assignment.sync_tx))))


def households_page(*, caller: Caller, window: Window, after: int, limit: int) -> Page:
    # The ids first, from the assignments' partial index (as the worklist reads them): a few hundred
    # keys to probe, whatever the size of the commune. Each one's assignee is loaded with the page
    # (HouseholdOut writes it: a query per household otherwise).
    query = (select(Household).options(selectinload(Household.active_assignment))
             .where(Household.id > after, Household.id.in_(worklist_household_ids(caller=caller))))
    if not window.full:
        query = query.where(or_(window.holds(Household.sync_tx), Household.id.in_(_assigned_in(caller, window))))
    rows = list(db.session.scalars(query.order_by(Household.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last_id = rows[-1].id if rows else None
    tombstones: list[tuple[int | None, str]] = []
    if not window.full and not more:
        # Households that left the caller in the window: read once, when the records are done.
        gone = (select(Household.public_id).join(Assignment, Assignment.household_id == Household.id)
                .where(Assignment.volunteer_id == caller.user_id, window.holds(Assignment.sync_tx),
                       Assignment.ended_at.is_not(None), ~_assigned_now(caller))
                .distinct().order_by(Household.public_id))
        tombstones = [(None, public_id) for public_id in db.session.scalars(gone)]
    return Page(records=[(h.id, h) for h in rows], tombstones=tombstones, last_id=last_id, more=more)


def persons_page(*, caller: Caller, window: Window, after: int, limit: int) -> Page:
    # Loaded with the page: PersonOut writes each one's skills (with the platform's confirmation they
    # rest on) and household id (bench/sync_pull.py: two queries per person otherwise, most of a full
    # pull's time).
    query = (select(Person).options(selectinload(Person.skills), selectinload(Person.platform_confirmations),
                                    joinedload(Person.household))
             .where(Person.id > after, Person.household_id.in_(worklist_household_ids(caller=caller))))
    if not window.full:
        query = query.where(or_(window.holds(Person.sync_tx), Person.household_id.in_(_assigned_in(caller, window))))
    rows = list(db.session.scalars(query.order_by(Person.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last_id = rows[-1].id if rows else None
    kept, tombstones = [], []
    for person in rows:
        # Why: after a withdrawal or an erasure nothing of the person is processed any more (Decree
        # 13/2023, art. 12; Law 91/2025): the phone forgets them.
        if person.consent_withdrawn_at is not None or person.erased_at is not None:
            if not window.full:
                tombstones.append((person.id, person.public_id))
        else:
            kept.append((person.id, person))
    return Page(records=kept, tombstones=tombstones, last_id=last_id, more=more)


def sessions_page(*, caller: Caller, window: Window, after: int, limit: int) -> Page:
    teams = select(Team.id).where(or_(Team.leader_id == caller.user_id, Team.id.in_(
        select(TeamMember.team_id).where(TeamMember.user_id == caller.user_id))))
    query = select(LearningSession).where(LearningSession.id > after, LearningSession.team_id.in_(teams),
                                          communes_clause(caller, LearningSession.commune_code))
    recent = LearningSession.ends_at >= utcnow() - FULL_PULL_SESSIONS_SINCE
    if window.full:
        query = query.where(recent)
    else:
        # Changed in the window, or of a team the caller joined in it (then its sessions come whole).
        joined = exists().where(TeamMember.team_id == LearningSession.team_id, TeamMember.user_id == caller.user_id,
                                window.holds(TeamMember.sync_tx))
        query = query.where(or_(window.holds(LearningSession.sync_tx), and_(joined, recent)))
    return _plain_page(query.order_by(LearningSession.id), limit)


def qr_keys_page(*, caller: Caller, window: Window, after: int, limit: int) -> Page:
    # Keys have text ids; the phase is small (a few keys a year): read whole, numbered in order.
    query = select(SigningKey).where(SigningKey.purpose == "qr")
    if not window.full:
        query = query.where(window.holds(SigningKey.sync_tx))
    keys = list(enumerate(db.session.scalars(query.order_by(SigningKey.created_at, SigningKey.key_id)), start=1))
    records = [(number, key) for number, key in keys if number > after]
    return Page(records=records, tombstones=[], last_id=records[-1][0] if records else None, more=False)


def reviews_page(*, caller: Caller, window: Window, after: int, limit: int) -> Page:
    """Officers' decisions on the caller's own check-ins and visits (a skill's decision shows in the
    person's skills, pulled with the person)."""
    own_checkin = and_(EvidenceReview.target_type == "checkin", EvidenceReview.target_ref.in_(
        select(CheckIn.client_id).where(CheckIn.user_id == caller.user_id)))
    own_visit = and_(EvidenceReview.target_type == "visit", EvidenceReview.target_ref.in_(
        select(Visit.public_id).where(Visit.volunteer_id == caller.user_id)))
    query = select(EvidenceReview).where(EvidenceReview.id > after, or_(own_checkin, own_visit),
                                         communes_clause(caller, EvidenceReview.commune_code))
    if not window.full:
        query = query.where(window.holds(EvidenceReview.sync_tx))
    return _plain_page(query.order_by(EvidenceReview.id), limit)


def _plain_page(query, limit: int) -> Page:
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(records=[(row.id, row) for row in rows], tombstones=[], last_id=rows[-1].id if rows else None,
                more=more)


PAGES = {"households": households_page, "persons": persons_page, "sessions": sessions_page,
         "qr_keys": qr_keys_page, "reviews": reviews_page}
