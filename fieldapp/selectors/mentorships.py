"""Reads of mentorships and their meetings through the caller's reach (out of it: 404), and the ≥5
rule: how many mentees each mentor has."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import mentorship_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.mentorships import (
    MENTEES_PER_MENTOR_TARGET,
    MentoringInteraction,
    Mentorship,
    MentorshipStatus,
)
from fieldapp.models.persons import Person

_MENTORSHIP_LOADS = (selectinload(Mentorship.skills), selectinload(Mentorship.mentee_person),
                     selectinload(Mentorship.mentee_user))


def mentorship_get(*, caller: Caller | None, public_id: str) -> Mentorship:
    query = select(Mentorship).options(*_MENTORSHIP_LOADS).where(Mentorship.public_id == public_id)
    if caller is not None:
        query = query.where(mentorship_clause(caller))
    mentorship = db.session.scalar(query)
    if mentorship is None:
        raise AppError("mentorship.not_found")
    return mentorship


def mentorship_list_query(*, caller: Caller, mentor_user_id: int | None = None,
                          status: MentorshipStatus | None = None, mentee_person_id: str | None = None,
                          mentee_user_id: int | None = None, commune_code: str | None = None) -> Select:
    query = select(Mentorship).options(*_MENTORSHIP_LOADS).where(mentorship_clause(caller))
    if mentor_user_id is not None:
        query = query.where(Mentorship.mentor_user_id == mentor_user_id)
    if status is not None:
        query = query.where(Mentorship.status == status)
    if mentee_person_id is not None:
        query = query.where(Mentorship.mentee_person_id == select(Person.id).where(
            Person.public_id == mentee_person_id).scalar_subquery())
    if mentee_user_id is not None:
        query = query.where(Mentorship.mentee_user_id == mentee_user_id)
    if commune_code is not None:
        query = query.where(Mentorship.commune_code == commune_code)
    return query.order_by(Mentorship.id.desc())


def interaction_list_query(*, mentorship: Mentorship) -> Select:
    """The meetings of a mentorship, latest first."""
    return (select(MentoringInteraction).where(MentoringInteraction.mentorship_id == mentorship.id)
            .order_by(MentoringInteraction.occurred_at.desc(), MentoringInteraction.id.desc()))


#: The mentorships that count, for the rule and in the network: a dropped one trained nobody.
COUNTED = (MentorshipStatus.active, MentorshipStatus.completed)


@dataclass(frozen=True)
class MenteeCounts:
    """The ≥5 rule for one mentor."""

    active: int = 0
    completed: int = 0

    @property
    def counted(self) -> int:
        return self.active + self.completed

    @property
    def lacking(self) -> int:
        return max(0, MENTEES_PER_MENTOR_TARGET - self.counted)

    @property
    def meets_target(self) -> bool:
        return self.lacking == 0


def mentee_key_expr():
    """A mentee as one number: residents positive, volunteer accounts negative."""
    return case((Mentorship.mentee_person_id.is_not(None), Mentorship.mentee_person_id),
                else_=-Mentorship.mentee_user_id)


def counts_subquery(*where, by_commune: bool = False):
    """Per mentor: distinct active mentees, and distinct completed ones not also active with them.

    ``where`` narrows the mentorships first (to an area: a mentorship's commune is its mentor's), so
    that a commune's list does not group the whole country's mentorships. A materialised CTE, so it
    is grouped once: under row-level security the planner misjudged how many ambassadors a commune
    has and re-ran the grouping for each of them (52 ms instead of 2 for a commune's summary).
    ``by_commune``: per mentor and commune of the mentorships (a ``commune_code`` column), for the
    figures of every commune of a province at once (fieldapp/selectors/indicators.py).
    """
    key = mentee_key_expr()
    active = func.count(func.distinct(case((Mentorship.status == MentorshipStatus.active, key))))
    any_counted = func.count(func.distinct(key))
    group = [Mentorship.commune_code, Mentorship.mentor_user_id] if by_commune else [Mentorship.mentor_user_id]
    columns = [Mentorship.commune_code.label("commune_code")] if by_commune else []
    return (select(*columns, Mentorship.mentor_user_id.label("user_id"), active.label("active"),
                   (any_counted - active).label("completed"))
            .where(Mentorship.status.in_(COUNTED), *where)
            .group_by(*group).cte("mentee_counts")
            .prefix_with("MATERIALIZED", dialect="postgresql"))


def mentee_counts(user_ids: list[int]) -> dict[int, MenteeCounts]:
    """Active and completed mentee counts for each of ``user_ids`` (absent: no mentee yet)."""
    if not user_ids:
        return {}
    counts = counts_subquery(Mentorship.mentor_user_id.in_(user_ids))
    rows = db.session.execute(select(counts.c.user_id, counts.c.active, counts.c.completed))
    return {user_id: MenteeCounts(active=active, completed=completed) for user_id, active, completed in rows}
