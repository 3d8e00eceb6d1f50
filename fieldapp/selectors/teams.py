"""Reads of teams."""
from __future__ import annotations

from sqlalchemy import or_, select

from fieldapp.extensions import db
from fieldapp.models.teams import Team, TeamMember


def teams_of_user(*, user_id: int) -> list[Team]:
    """The teams a user leads or belongs to."""
    member_of = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    query = select(Team).where(or_(Team.leader_id == user_id, Team.id.in_(member_of))).order_by(Team.id)
    return list(db.session.scalars(query))
