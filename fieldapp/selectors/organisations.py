"""Reads of organisations and their members, through the caller's area (outside it: 404)."""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.orm import selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause, units_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.evidence import SkillStatus
from fieldapp.models.organisations import Organisation, OrganisationKind, OrganisationMember
from fieldapp.models.persons import Person
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, PersonSkill, Skill
from fieldapp.models.users import Role
from fieldapp.text import fold


def organisation_clause(caller: Caller | None):
    """SQL: the organisations a caller may see. Officers: those held in their area (a commune's, or a
    province's and its communes'); volunteers and leaders: those they are the focal person of."""
    if caller is None:
        return true()
    if caller.role in (Role.volunteer, Role.team_leader):
        return Organisation.focal_user_id == caller.user_id
    return units_clause(caller, Organisation.unit_code)


def organisation_list_query(*, caller: Caller, kind: OrganisationKind | None = None, unit_code: str | None = None,
                            q: str | None = None) -> Select:
    query = select(Organisation).where(organisation_clause(caller))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if unit_code:
        query = query.where(Organisation.unit_code == unit_code)
    if q:
        query = query.where(or_(Organisation.code == q.strip(),
                                func.lower(Organisation.name).contains(q.strip().lower(), autoescape=True)))
    return query.order_by(Organisation.id)


def organisation_get(*, caller: Caller | None, organisation_id: int) -> Organisation:
    """An organisation in the caller's reach; another area's answers as one that does not exist."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == organisation_id,
                                                                organisation_clause(caller)))
    if organisation is None:
        raise AppError("organisation.not_found")
    return organisation


def organisation_has_member(*, organisation: Organisation, person: Person) -> bool:
    """Whether ``person`` belongs to ``organisation`` (staff, pupil or worker)."""
    return db.session.scalar(select(OrganisationMember.person_id).where(
        OrganisationMember.organisation_id == organisation.id, OrganisationMember.person_id == person.id)) is not None


def organisation_code_taken(code: str) -> bool:
    """Whether the code is held by any organisation, in any area (codes are unique nationwide).

    Read with the operator's reach on purpose: a code is an official number (a tax code), not a
    reference to another area's row, and a second organisation with it must be refused everywhere."""
    return db.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None


def finished_clause():
    """SQL: the person has finished the programme, i.e. holds the basic digital skills by the rule of
    ``fieldapp.models.skills.holds_basic_skills`` (the national platform confirmed it, or all five
    Digital Family skills; confirmed skills only). tests/test_tallies.py checks the two agree."""
    confirmed = PersonSkill.status == SkillStatus.confirmed
    platform = select(PersonSkill.person_id).where(PersonSkill.skill == Skill.vneid_programme_confirmed, confirmed)
    family = (select(PersonSkill.person_id).where(PersonSkill.skill.in_(DIGITAL_FAMILY_SKILLS), confirmed)
              .group_by(PersonSkill.person_id).having(func.count() == len(DIGITAL_FAMILY_SKILLS)))
    return or_(Person.id.in_(platform), Person.id.in_(family))


def organisation_members_query(*, caller: Caller, organisation: Organisation, finished: bool | None = None,
                               q: str | None = None) -> Select:
    """(OrganisationMember, Person) rows of the organisation that lie in the caller's area, by name."""
    query = (select(OrganisationMember, Person).join(Person, Person.id == OrganisationMember.person_id)
             .options(selectinload(Person.skills), selectinload(Person.platform_confirmations))
             .where(OrganisationMember.organisation_id == organisation.id,
                    communes_clause(caller, OrganisationMember.commune_code)))
    if finished is True:
        query = query.where(finished_clause())
    elif finished is False:
        query = query.where(~finished_clause())
    if q:
        query = query.where(Person.consent_withdrawn_at.is_(None))
        for word in fold(q).split(" "):
            query = query.where(Person.name_folded.contains(word, autoescape=True))
    return query.order_by(Person.name_folded, Person.id)


def organisation_member_get(*, caller: Caller, organisation: Organisation, person_public_id: str) -> Person:
    """A member of the organisation, in the caller's area (404 ``organisation.member_not_found``)."""
    person = db.session.scalar(
        select(Person).join(OrganisationMember, OrganisationMember.person_id == Person.id)
        .options(selectinload(Person.skills))
        .where(OrganisationMember.organisation_id == organisation.id, Person.public_id == person_public_id,
               communes_clause(caller, OrganisationMember.commune_code)))
    if person is None:
        raise AppError("organisation.member_not_found")
    return person
