"""Reads of teams, through the caller's area."""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.teams import Team, TeamMember
from fieldapp.models.users import Role, User


def _led_or_joined(user_id: int):
    """SQL: teams the user leads or belongs to."""
    member_of = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    return or_(Team.leader_id == user_id, Team.id.in_(member_of))


def teams_of_user(*, user_id: int) -> list[Team]:
    """The teams a user leads or belongs to."""
    return list(db.session.scalars(select(Team).where(_led_or_joined(user_id)).order_by(Team.id)))


def team_list_query(*, caller: Caller, commune_code: str | None = None) -> Select:
    """Officers: the teams of their area; leaders and volunteers: their own teams."""
    query = select(Team)
    if caller.role in (Role.volunteer, Role.team_leader):
        query = query.where(_led_or_joined(caller.user_id))
    else:
        query = query.where(communes_clause(caller, Team.commune_code))
    if commune_code:
        query = query.where(Team.commune_code == commune_code)
    return query.order_by(Team.id)


def team_get(*, caller: Caller, team_id: int, commune_code: str | None = None) -> Team:
    """A team in the caller's reach (404 otherwise), and of ``commune_code`` when given."""
    team = db.session.scalar(team_list_query(caller=caller, commune_code=commune_code).where(Team.id == team_id))
    if team is None:
        raise AppError("team.not_found")
    return team


def team_members_in_reach(*, caller: Caller) -> list[tuple[Team, User]]:
    """The active volunteers and leaders of the teams the caller may give households to (leaders: the teams
    they lead; officers: the teams of their area), with their team: whom the console's assignment names."""
    query = (select(Team, User).join(TeamMember, TeamMember.team_id == Team.id)
             .join(User, User.id == TeamMember.user_id)
             .where(User.is_active.is_(True), User.role.in_((Role.volunteer, Role.team_leader))))
    if caller.role == Role.team_leader:
        query = query.where(Team.leader_id == caller.user_id)
    elif caller.role == Role.volunteer:
        return []
    else:
        query = query.where(communes_clause(caller, Team.commune_code))
    return [(team, user) for team, user in db.session.execute(query.order_by(Team.name, User.name_folded)).all()]
