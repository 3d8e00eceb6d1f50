"""Organisations and their members: officers of the organisation's area create and correct them and add
or remove members; the focal person records the members' progress (through the skills service)."""
from __future__ import annotations

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import unit_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.organisations import MemberRole, Organisation, OrganisationKind, OrganisationMember
from fieldapp.models.persons import Person
from fieldapp.models.units import Unit
from fieldapp.models.users import User
from fieldapp.selectors.organisations import organisation_code_taken
from fieldapp.selectors.persons import commune_person_get
from fieldapp.selectors.users import user_get
from fieldapp.services.activity import activity_record
from fieldapp.services.persons import person_processing_check
from fieldapp.text import nfc


def _unit(caller: Caller | None, unit_code: str) -> Unit:
    if caller is not None:
        unit = unit_in_scope(caller, unit_code)
    else:
        unit = db.session.get(Unit, unit_code)
    if unit is None:
        raise AppError("unit.not_found", code=unit_code)
    return unit


def _focal(caller: Caller | None, user_id: int | None) -> User | None:
    """The focal person's account, looked up through the caller's area (404 outside it, as for an id
    that does not exist); it must be active."""
    if user_id is None:
        return None
    user = user_get(caller=caller, user_id=user_id)
    if not user.is_active:
        raise AppError("organisation.focal_not_eligible")
    return user


def _log(organisation: Organisation, caller: Caller | None, body: dict, *, action: str) -> None:
    activity_record(action=action, object_type="organisation", object_id=organisation.id,
                    log_unit=organisation.unit_code, caller=caller, body=body)


def organisation_create(*, caller: Caller | None, code: str, kind: OrganisationKind | str, name: str,
                        unit_code: str, focal_user_id: int | None = None) -> Organisation:
    unit = _unit(caller, unit_code)
    code = nfc(code).strip()
    if organisation_code_taken(code):
        raise AppError("organisation.code_taken")
    focal = _focal(caller, focal_user_id)
    organisation = Organisation(code=code, kind=OrganisationKind(kind), name=nfc(name), unit_code=unit.code,
                                focal_user_id=focal.id if focal else None,
                                created_by=caller.user_id if caller else None)
    db.session.add(organisation)
    db.session.flush()
    _log(organisation, caller, action="organisation.create",
         body={"kind": organisation.kind.value, "unit_code": unit.code, "focal_user_id": organisation.focal_user_id})
    return organisation


def organisation_update(*, caller: Caller | None, organisation: Organisation, changes: dict) -> Organisation:
    """Correct the name, kind, code or focal person (``focal_user_id`` ``None`` names none). The unit is
    not changed here: an organisation that moves is created again in its new area."""
    changed = []
    if "name" in changes and nfc(changes["name"]) != organisation.name:
        organisation.name = nfc(changes["name"])
        changed.append("name")
    if "kind" in changes and OrganisationKind(changes["kind"]) != organisation.kind:
        organisation.kind = OrganisationKind(changes["kind"])
        changed.append("kind")
    if "code" in changes:
        code = nfc(changes["code"]).strip()
        if code != organisation.code:
            if organisation_code_taken(code):
                raise AppError("organisation.code_taken")
            organisation.code = code
            changed.append("code")
    if "focal_user_id" in changes and changes["focal_user_id"] != organisation.focal_user_id:
        focal = _focal(caller, changes["focal_user_id"])
        organisation.focal_user_id = focal.id if focal else None
        changed.append("focal_user_id")
    if changed:
        db.session.flush()
        body = {"fields": sorted(changed)}
        if "focal_user_id" in changed:
            body["focal_user_id"] = organisation.focal_user_id
        _log(organisation, caller, action="organisation.update", body=body)
    return organisation


def _covers(organisation: Organisation, person: Person) -> bool:
    """A commune's organisation takes the commune's people; a province's, the people of its communes."""
    if person.commune_code == organisation.unit_code:
        return True
    unit = db.session.get(Unit, person.commune_code)
    return unit is not None and unit.parent_code == organisation.unit_code


def organisation_member_add(*, caller: Caller | None, organisation: Organisation, person_id: str,
                            role: MemberRole | str) -> OrganisationMember:
    """Add a person of the caller's area (looked up as a read would be: another area's is not found)
    with their role; adding them again changes the role only."""
    person = commune_person_get(caller=caller, public_id=person_id)
    if not _covers(organisation, person):
        raise AppError("organisation.member_outside")
    person_processing_check([person])
    role = MemberRole(role)
    member = db.session.get(OrganisationMember, (organisation.id, person.id))
    if member is not None:
        if member.role != role:
            member.role = role
            db.session.flush()
            _log(organisation, caller, action="organisation.member_add",
                 body={"person_id": person.public_id, "role": role.value})
        return member
    member = OrganisationMember(organisation_id=organisation.id, person_id=person.id, role=role,
                                commune_code=person.commune_code, added_by=caller.user_id if caller else None)
    db.session.add(member)
    db.session.flush()
    _log(organisation, caller, action="organisation.member_add",
         body={"person_id": person.public_id, "role": role.value})
    return member


def organisation_member_remove(*, caller: Caller | None, organisation: Organisation, person_id: str) -> None:
    """Remove a member: a person of the caller's area (another area's is not found, as a made-up id);
    one who is not a member is left as they are, unlogged (a repeated removal is not an error)."""
    person = commune_person_get(caller=caller, public_id=person_id)
    member = db.session.get(OrganisationMember, (organisation.id, person.id))
    if member is None:
        return
    db.session.delete(member)
    db.session.flush()
    _log(organisation, caller, action="organisation.member_remove", body={"person_id": person.public_id})

