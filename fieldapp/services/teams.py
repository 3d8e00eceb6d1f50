"""Teams (tổ công nghệ số cộng đồng and others) and their members."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.teams import Team, TeamKind, TeamMember
from fieldapp.models.users import Role, User
from fieldapp.selectors.users import user_get
from fieldapp.selectors.villages import village_get
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc

#: Who can be in a team: the field roles of the same commune.
_MEMBER_ROLES = (Role.volunteer, Role.team_leader)


def _eligible(user: User, commune_code: str, roles=_MEMBER_ROLES) -> User:
    if user.role not in roles or user.unit_code != commune_code or not user.is_active:
        raise AppError("team.member_not_eligible")
    return user


def _account(caller: Caller | None, user: User | int) -> User:
    """The account named by id, looked up through the caller's area (404 outside it, as for an id
    that does not exist), or as given (the operator's own calls)."""
    return user if isinstance(user, User) else user_get(caller=caller, user_id=user)


def team_create(*, commune_code: str, name: str, kind: TeamKind | str, leader: User | int,
                village_id: int | None, caller: Caller | None) -> Team:
    """A team under a commune, or a village of it, with one leader (a team_leader of that commune)."""
    if caller is not None:
        commune_in_scope(caller, commune_code)
    if village_id is not None:
        village_get(caller=caller, village_id=village_id, commune_code=commune_code)
    leader = _eligible(_account(caller, leader), commune_code, roles=(Role.team_leader,))
    team = Team(commune_code=commune_code, name=nfc(name), kind=TeamKind(kind), leader_id=leader.id,
                village_id=village_id)
    db.session.add(team)
    db.session.flush()
    activity_record(action="team.create", object_type="team", object_id=team.id, log_unit=commune_code,
                    caller=caller, body={"kind": team.kind.value, "leader_id": leader.id, "village_id": village_id})
    return team


def team_member_add(*, team: Team, user: User | int, caller: Caller | None) -> TeamMember:
    """Add a volunteer (or the leader) of the team's commune; adding someone twice changes nothing.

    A team leader builds only the teams they lead; officers any team of their area.
    """
    if caller is not None and caller.role == Role.team_leader and team.leader_id != caller.user_id:
        raise AppError("auth.forbidden")
    user = _eligible(_account(caller, user), team.commune_code)
    existing = db.session.get(TeamMember, (team.id, user.id))
    if existing is not None:
        return existing
    member = TeamMember(team_id=team.id, user_id=user.id)
    db.session.add(member)
    db.session.flush()
    activity_record(action="team.member_add", object_type="team", object_id=team.id,
                    log_unit=team.commune_code, caller=caller, body={"user_id": user.id})
    return member


def team_is_member(team_id: int, user_id: int) -> bool:
    return db.session.scalar(select(TeamMember.user_id).where(TeamMember.team_id == team_id,
                                                              TeamMember.user_id == user_id)) is not None
