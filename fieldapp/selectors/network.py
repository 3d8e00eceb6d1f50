"""The Digital Ambassador network as a graph, walked by the database with recursive queries.

The nodes are ambassadors (user ids). An edge is a mentorship that is active or completed (a dropped
one trained nobody); its mentee continues the walk when they are an ambassador: a volunteer mentee
by their own user id, a resident through the ambassador promoted from them
(``ambassadors.promoted_from_person_id``). Both walks are ``WITH RECURSIVE`` queries, on
PostgreSQL and SQLite alike; nothing is loaded into Python but the answer. The ≥5 rule (how many
mentees each mentor has) is the mentorships' own: :mod:`fieldapp.selectors.mentorships`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.models.ambassadors import Ambassador
from fieldapp.models.mentorships import Mentorship, MentorshipStatus
from fieldapp.selectors.mentorships import COUNTED

#: A guard on both walks: no real tree is this deep, and a corrupt row could not loop for ever.
MAX_DEPTH = 1000


@functools.cache
def _ancestors_query():
    """Built once; the ambassador and the resident they were promoted from are parameters."""
    me = or_(Mentorship.mentee_user_id == bindparam("user_id"),
             Mentorship.mentee_person_id == bindparam("person_id"))
    up = (select(Mentorship.mentor_user_id.label("user_id"), literal(1).label("depth"))
          .where(me, Mentorship.status.in_(COUNTED))
          .cte("up", recursive=True))
    above = aliased(Ambassador)
    up = up.union(
        select(Mentorship.mentor_user_id, up.c.depth + 1)
        .select_from(up)
        .join(above, above.user_id == up.c.user_id)
        .join(Mentorship, and_(Mentorship.status.in_(COUNTED),
                               or_(Mentorship.mentee_user_id == above.user_id,
                                   Mentorship.mentee_person_id == above.promoted_from_person_id)))
        .where(up.c.depth < MAX_DEPTH))
    return select(up.c.user_id).distinct()


def ancestors_of(user_id: int) -> set[int]:
    """The ambassadors above ``user_id`` in the network: their mentors, their mentors' mentors, …"""
    person_id = db.session.scalar(select(Ambassador.promoted_from_person_id).where(Ambassador.user_id == user_id))
    return set(db.session.scalars(_ancestors_query(), {"user_id": user_id, "person_id": person_id}))


def mentee_node(*, person_id: int | None = None, user_id: int | None = None) -> int | None:
    """The ambassador a mentee is (their own account, or the one promoted from the resident), if any."""
    if user_id is not None:
        return db.session.scalar(select(Ambassador.user_id).where(Ambassador.user_id == user_id))
    return db.session.scalar(select(Ambassador.user_id).where(Ambassador.promoted_from_person_id == person_id))


@dataclass(frozen=True)
class Level:
    depth: int
    people: int
    completed: int
    ambassadors: int


@dataclass(frozen=True)
class TreeStats:
    """The tree below a mentor. A person counts once, at the depth where they are nearest the mentor."""

    #: Levels below the mentor: 1 = their own mentees; 0 = nobody yet.
    depth: int
    #: People trained directly and through mentees who became mentors (active or completed).
    reach: int
    reach_completed: int
    #: Of them, those who are ambassadors themselves.
    ambassadors: int
    levels: list[Level] = field(default_factory=list)


def _edges(query, mentor_column):
    """One step down from ``mentor_column``: (mentee key, the mentee as an ambassador or NULL, completed)."""
    promoted, own = aliased(Ambassador), aliased(Ambassador)
    # A resident and the account promoted from them are one mentee: accounts negative, residents positive.
    key = func.coalesce(-Mentorship.mentee_user_id, -promoted.user_id, Mentorship.mentee_person_id)
    node = func.coalesce(own.user_id, promoted.user_id)
    completed = case((Mentorship.status == MentorshipStatus.completed, 1), else_=0)
    return (query.add_columns(key.label("mentee_key"), node.label("node"), completed.label("completed"))
            .join(Mentorship, Mentorship.mentor_user_id == mentor_column)
            .outerjoin(promoted, promoted.promoted_from_person_id == Mentorship.mentee_person_id)
            .outerjoin(own, own.user_id == Mentorship.mentee_user_id)
            .where(Mentorship.status.in_(COUNTED)))


@functools.cache
def _tree_query():
    """Built once (constructing it costs more than running it on a small tree); the root is a parameter."""
    root = select(Ambassador.user_id).where(Ambassador.user_id == bindparam("root_user_id")).subquery("root")
    tree = _edges(select(literal(1).label("depth")).select_from(root), root.c.user_id).cte("tree", recursive=True)
    step = _edges(select((tree.c.depth + 1).label("depth")).select_from(tree), tree.c.node)
    tree = tree.union(step.where(tree.c.depth < MAX_DEPTH))
    people = (select(tree.c.mentee_key, func.min(tree.c.depth).label("depth"),
                     func.max(tree.c.completed).label("completed"),
                     func.max(case((tree.c.node.is_not(None), 1), else_=0)).label("ambassador"))
              .group_by(tree.c.mentee_key).subquery())
    return (select(people.c.depth, func.count(), func.sum(people.c.completed), func.sum(people.c.ambassador))
            .group_by(people.c.depth).order_by(people.c.depth))


def tree_stats(user_id: int) -> TreeStats:
    """Depth and reach of the tree below ambassador ``user_id``, level by level: one recursive query."""
    rows = db.session.execute(_tree_query(), {"root_user_id": user_id}).all()
    levels = [Level(depth=d, people=n, completed=int(c or 0), ambassadors=int(a or 0)) for d, n, c, a in rows]
    return TreeStats(depth=max((level.depth for level in levels), default=0),
                     reach=sum(level.people for level in levels),
                     reach_completed=sum(level.completed for level in levels),
                     ambassadors=sum(level.ambassadors for level in levels), levels=levels)
