"""Teams and their members."""
from __future__ import annotations

from fieldapp.auth.caller import Caller
from fieldapp.extensions import db
from fieldapp.models.teams import Team, TeamKind, TeamMember
from fieldapp.models.users import User
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc


def team_create(*, commune_code: str, name: str, kind: TeamKind | str, leader: User,
                village_id: int | None, caller: Caller | None) -> Team:
    team = Team(commune_code=commune_code, name=nfc(name), kind=TeamKind(kind), leader_id=leader.id,
                village_id=village_id)
    db.session.add(team)
    db.session.flush()
    activity_record(action="team.create", object_type="team", object_id=team.id, log_unit=commune_code,
                    caller=caller, body={"kind": team.kind.value, "leader_id": leader.id,
                                         "village_id": village_id})
    return team


def team_member_add(*, team: Team, user: User, caller: Caller | None) -> TeamMember:
    member = TeamMember(team_id=team.id, user_id=user.id)
    db.session.add(member)
    db.session.flush()
    activity_record(action="team.member_add", object_type="team", object_id=team.id,
                    log_unit=team.commune_code, caller=caller, body={"user_id": user.id})
    return member
