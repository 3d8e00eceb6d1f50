"""Reads of ambassadors, mentorships and networks, always through the caller's area (out of it: 404)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import field_user_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.ambassadors import Ambassador, AmbassadorOrigin
from fieldapp.models.mentorships import MentoringInteraction, Mentorship, MentorshipStatus
from fieldapp.models.persons import Person
from fieldapp.models.teams import TeamMember
from fieldapp.models.users import Role, User
from fieldapp.selectors.mentorships import (
    MENTEES_PER_MENTOR_TARGET,
    MenteeCounts,
    counts_subquery,
    mentee_counts,
)
from fieldapp.selectors.network import TreeStats, ancestors_of, tree_stats
from fieldapp.selectors.teams import team_get


def mentor_get(*, caller: Caller | None, user_id: int) -> Ambassador:
    """The ambassador a caller may act for as mentor: 404 outside their reach, 422 if not an ambassador."""
    user = db.session.scalar(select(User).where(User.id == user_id,
                                                field_user_clause(caller, User.id, User.unit_code)))
    if user is None:
        raise AppError("ambassador.not_found")
    ambassador = db.session.get(Ambassador, user.id)
    if ambassador is None:
        raise AppError("mentorship.mentor_not_ambassador", errors={"mentor_user_id": ["not an ambassador"]})
    return ambassador


def ambassador_get(*, caller: Caller, user_id: int) -> Ambassador:
    """An ambassador whose network the caller may read.

    Officers: their area. Leaders: themselves and their teams' members. Volunteers: themselves. And
    every mentor reads the networks below them in the tree (the mentees they trained who mentor in
    turn): the ancestor walk says whether they are above.
    """
    ambassador = db.session.scalar(select(Ambassador).where(
        Ambassador.user_id == user_id, field_user_clause(caller, Ambassador.user_id, Ambassador.commune_code)))
    if ambassador is None and caller.role in (Role.volunteer, Role.team_leader):
        below = db.session.scalar(select(Ambassador).where(Ambassador.user_id == user_id,
                                                           Ambassador.commune_code == caller.unit_code))
        if below is not None and caller.user_id in ancestors_of(below.user_id):
            ambassador = below
    if ambassador is None:
        raise AppError("ambassador.not_found")
    return ambassador


def _scoped(caller: Caller, *, commune_code: str | None, team_id: int | None):
    """(filter on ambassadors, filter on their mentorships) for the caller's reach, a commune, a team."""
    on_ambassadors = [field_user_clause(caller, Ambassador.user_id, Ambassador.commune_code)]
    on_mentorships = [field_user_clause(caller, Mentorship.mentor_user_id, Mentorship.commune_code)]
    if commune_code is not None:
        on_ambassadors.append(Ambassador.commune_code == commune_code)
        on_mentorships.append(Mentorship.commune_code == commune_code)
    if team_id is not None:
        team = team_get(caller=caller, team_id=team_id)
        members = select(TeamMember.user_id).where(TeamMember.team_id == team.id)
        on_ambassadors.append((Ambassador.user_id == team.leader_id) | Ambassador.user_id.in_(members))
        on_mentorships.append(Mentorship.commune_code == team.commune_code)
    return on_ambassadors, on_mentorships


def ambassador_list_query(*, caller: Caller, commune_code: str | None = None, team_id: int | None = None,
                          origin: AmbassadorOrigin | None = None, under_target: bool | None = None) -> Select:
    """Ambassadors in the caller's reach with their counts (rows: ambassador, active, completed).

    ``under_target=True`` is the leaders' list to act on: mentors below the ≥5 rule, those who lack
    the most first.
    """
    on_ambassadors, on_mentorships = _scoped(caller, commune_code=commune_code, team_id=team_id)
    counts = counts_subquery(*on_mentorships)
    active = func.coalesce(counts.c.active, 0)
    completed = func.coalesce(counts.c.completed, 0)
    query = (select(Ambassador, active.label("active"), completed.label("completed"))
             .options(selectinload(Ambassador.promoted_from))
             .outerjoin(counts, counts.c.user_id == Ambassador.user_id).where(*on_ambassadors))
    if origin is not None:
        query = query.where(Ambassador.origin == origin)
    if under_target is not None:
        below = active + completed < MENTEES_PER_MENTOR_TARGET
        query = query.where(below if under_target else ~below)
        if under_target:
            return query.order_by((active + completed).asc(), Ambassador.user_id)
    return query.order_by(Ambassador.user_id)


@dataclass(frozen=True)
class OriginSummary:
    origin: str
    ambassadors: int
    meeting_target: int


@dataclass(frozen=True)
class Summary:
    ambassadors: int
    meeting_target: int
    under_target: int
    lacking: int
    by_origin: list[OriginSummary]

    @property
    def share_meeting_target(self) -> float | None:
        return None if not self.ambassadors else round(self.meeting_target / self.ambassadors, 4)


def ambassador_summary(*, caller: Caller, commune_code: str | None = None, team_id: int | None = None) -> Summary:
    """How many ambassadors, how many meet the ≥5 rule, and the lack to make up; by origin (one query)."""
    on_ambassadors, on_mentorships = _scoped(caller, commune_code=commune_code, team_id=team_id)
    counts = counts_subquery(*on_mentorships)
    counted = func.coalesce(counts.c.active, 0) + func.coalesce(counts.c.completed, 0)
    meets = case((counted >= MENTEES_PER_MENTOR_TARGET, 1), else_=0)
    lacking = case((counted >= MENTEES_PER_MENTOR_TARGET, 0), else_=MENTEES_PER_MENTOR_TARGET - counted)
    rows = db.session.execute(
        select(Ambassador.origin, func.count(), func.sum(meets), func.sum(lacking))
        .outerjoin(counts, counts.c.user_id == Ambassador.user_id).where(*on_ambassadors)
        .group_by(Ambassador.origin)).all()
    by_origin = {origin: (n, int(ok or 0), int(lack or 0)) for origin, n, ok, lack in rows}
    total = sum(n for n, _, _ in by_origin.values())
    meeting = sum(ok for _, ok, _ in by_origin.values())
    return Summary(ambassadors=total, meeting_target=meeting, under_target=total - meeting,
                   lacking=sum(lack for _, _, lack in by_origin.values()),
                   by_origin=[OriginSummary(origin.value, *by_origin[origin][:2])
                              for origin in AmbassadorOrigin if origin in by_origin])


@dataclass(frozen=True)
class MenteeView:
    """A mentorship seen from the mentor's network: who, how far, how often met."""

    mentorship: Mentorship
    kind: str
    id: str | int
    full_name: str
    interactions: int
    last_interaction_at: datetime | None
    #: The mentee is an ambassador now (promoted, or a volunteer appointed): their user id.
    ambassador_user_id: int | None


@dataclass(frozen=True)
class Network:
    ambassador: Ambassador
    counts: MenteeCounts
    mentees: list[MenteeView]
    tree: TreeStats


def mentee_views(mentorships: list[Mentorship]) -> list[MenteeView]:
    """Names, interaction counts and promotions for a page of mentorships, in four plain queries."""
    ids = [m.id for m in mentorships]
    person_ids = [m.mentee_person_id for m in mentorships if m.mentee_person_id is not None]
    user_ids = [m.mentee_user_id for m in mentorships if m.mentee_user_id is not None]
    people = dict(db.session.execute(select(Person.id, Person).where(Person.id.in_(person_ids))).all()) \
        if person_ids else {}
    users = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    met = {row[0]: row[1:] for row in db.session.execute(
        select(MentoringInteraction.mentorship_id, func.count(), func.max(MentoringInteraction.occurred_at))
        .where(MentoringInteraction.mentorship_id.in_(ids)).group_by(MentoringInteraction.mentorship_id))} \
        if ids else {}
    promoted = dict(db.session.execute(select(Ambassador.promoted_from_person_id, Ambassador.user_id).where(
        Ambassador.promoted_from_person_id.in_(person_ids))).all()) if person_ids else {}
    appointed = set(db.session.scalars(select(Ambassador.user_id).where(Ambassador.user_id.in_(user_ids)))) \
        if user_ids else set()
    views = []
    for m in mentorships:
        count, last = met.get(m.id, (0, None))
        if m.mentee_person_id is not None:
            person = people[m.mentee_person_id]
            views.append(MenteeView(m, "person", person.public_id, person.shown_name, count, last,
                                    promoted.get(m.mentee_person_id)))
        else:
            views.append(MenteeView(m, "volunteer", m.mentee_user_id, users[m.mentee_user_id], count, last,
                                    m.mentee_user_id if m.mentee_user_id in appointed else None))
    return views


_STATUS_ORDER = case((Mentorship.status == MentorshipStatus.active, 0),
                     (Mentorship.status == MentorshipStatus.completed, 1), else_=2)


def network_get(*, caller: Caller, user_id: int) -> Network:
    """An ambassador's network: their mentees and progress, the ≥5 rule, the tree below them."""
    ambassador = ambassador_get(caller=caller, user_id=user_id)
    mentorships = list(db.session.scalars(
        select(Mentorship).options(selectinload(Mentorship.skills))
        .where(Mentorship.mentor_user_id == ambassador.user_id)
        .order_by(_STATUS_ORDER, Mentorship.started_at.desc(), Mentorship.id.desc())))
    return Network(ambassador=ambassador,
                   counts=mentee_counts([ambassador.user_id]).get(ambassador.user_id, MenteeCounts()),
                   mentees=mentee_views(mentorships), tree=tree_stats(ambassador.user_id))


def ambassador_rows(rows) -> list[tuple[Ambassador, MenteeCounts]]:
    return [(ambassador, MenteeCounts(active=active, completed=completed)) for ambassador, active, completed in rows]
