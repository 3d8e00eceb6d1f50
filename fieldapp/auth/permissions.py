"""Permissions are verbs; roles are granted verbs; every view names the verb it needs.

A role is always held on an area (a commune or a province; nationwide for admins). The verb says
*what* a caller may do; the area, applied by the selectors, says *where*.
"""
from __future__ import annotations

from fieldapp.models.users import Role

_EVERYONE = frozenset({
    "me.read",
    "unit.read",
    "village.read",
    "household.read",
    "person.read",
    "team.read",
    "session.read",
    "support_record.read",
    "ambassador.read",
    "mentorship.read",
    "visit.read",
    # Officers read their area's organisations; volunteers and leaders those they are the focal person of.
    "organisation.read",
    # Indicators are aggregates of the caller's area, no personal data (issue 17).
    "indicator.read",
    # Rankings of the area: every item is ranked, each caller shown those they may read (issue 17).
    "ranking.read",
})
#: Volunteers record the people they help at the doors they were given; as ambassadors they mentor.
_VOLUNTEER = _EVERYONE | {"worklist.read", "person.create", "person.update", "skill.record", "checkin.create",
                          "visit.create", "session.attendee_add", "mentorship.create", "mentorship.update",
                          "mentorship.interaction_record",
                          # Offline sync (mobile_contract/sync.md): each pushed item still needs its own verb.
                          "sync.push", "sync.pull"}
#: Leaders also register households, build their team, assign households and appoint ambassadors;
#: they and the officers use the commune console (volunteers work from the phone app).
_TEAM_LEADER = _VOLUNTEER | {"household.create", "household.update", "household.assign", "team.member_add",
                             "session.create", "ambassador.appoint", "console.use"}
#: Officers review the evidence held back in their area (they alone decide what counts: the plans'
#: inspections look at real results, and officers answer for the commune's figures).
#: Officers do not mentor in the field (no interactions), but they set up and promote ambassadors.
#: Only officers see where a visit was recorded (its GPS), and each such read is logged (issue 7).
#: Officers disable (and enable again) the accounts of the roles they may grant, in their area: a
#: volunteer who leaves, a phone that is lost (issue 12).
_COMMUNE_OFFICER = (_EVERYONE | {"user.create", "user.disable", "user.enable", "activity.read", "activity.export",
                                 "village.create", "household.create", "household.update", "household.import",
                                 "household.assign", "platform_confirmation.import",
                                 "organisation.create", "organisation.update", "organisation.member_add",
                                 "person.create", "person.update", "skill.record", "team.create",
                                 "team.member_add", "session.create", "session.attendee_add",
                                 "person.data_export", "person.erase", "ambassador.appoint", "ambassador.promote",
                                 "mentorship.create", "mentorship.update", "visit.location_read",
                                 "console.use", "evidence.review",
                                 # The population figures of their area, the plans' denominators (issue 16).
                                 "population.read", "population.enter",
                                 # Their unit's own targets for its indicators (issue 17).
                                 "target.set",
                                 # The quarterly report (issue 17): its workbook holds the list of people
                                 # supported. Which officers submit it (the commune's) and which approve or
                                 # return it (the province's) is the lifecycle's rule, with its own error
                                 # codes (services/reports.py): DHIS2's approval levels.
                                 "report.read", "report.submit", "report.approve"})
#: Province officers also set the province's ranking scheme (its emulation guideline is the province's:
#: its communes are ranked against each other on it, so no commune sets its own).
_PROVINCE_OFFICER = _COMMUNE_OFFICER | {"ranking.set"}
_ADMIN = _PROVINCE_OFFICER

ROLE_VERBS: dict[Role, frozenset[str]] = {
    Role.volunteer: _VOLUNTEER,
    Role.team_leader: _TEAM_LEADER,
    Role.commune_officer: _COMMUNE_OFFICER,
    Role.province_officer: _PROVINCE_OFFICER,
    Role.admin: _ADMIN,
}

#: Which roles each role may hand out when creating accounts (within its own area).
GRANTABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.volunteer: frozenset(),
    Role.team_leader: frozenset(),
    Role.commune_officer: frozenset({Role.volunteer, Role.team_leader}),
    Role.province_officer: frozenset({Role.volunteer, Role.team_leader, Role.commune_officer,
                                      Role.province_officer}),
    Role.admin: frozenset(Role),
}

#: The level of area each role is held on (admins: nationwide, or a province if given one).
ROLE_AREA_LEVEL: dict[Role, str | None] = {
    Role.volunteer: "commune",
    Role.team_leader: "commune",
    Role.commune_officer: "commune",
    Role.province_officer: "province",
    Role.admin: None,
}


def role_can(role: Role, verb: str) -> bool:
    return verb in ROLE_VERBS[role]
