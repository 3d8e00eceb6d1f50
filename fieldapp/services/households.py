"""Households: created in a village of the caller's commune, at a plausible point."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, check_in_commune, point_element, point_of
from fieldapp.ids import new_public_id
from fieldapp.models.evidence import SkillStatus
from fieldapp.models.households import Household
from fieldapp.models.persons import Person
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, PersonSkill
from fieldapp.models.units import Unit
from fieldapp.selectors.villages import village_get
from fieldapp.services.activity import activity_record
from fieldapp.services.versions import version_check
from fieldapp.text import nfc

_FLAGS = ("is_poor", "is_ethnic_minority", "is_remote")


def _checked_point(location: dict | None, commune_code: str) -> object | None:
    if location is None:
        return None
    point = LatLon(location["lat"], location["lon"])
    unit = db.session.get(Unit, commune_code)
    check_in_commune(point, centroid=point_of(unit.centroid), area_km2=unit.area_km2)
    return point_element(point)


def household_create(*, caller: Caller | None, village_id: int, address: str, location: dict | None = None,
                     is_poor: bool = False, is_ethnic_minority: bool = False, is_remote: bool = False) -> Household:
    village = village_get(caller=caller, village_id=village_id)
    household = Household(
        public_id=new_public_id("H"), commune_code=village.commune_code, village_id=village.id,
        address=nfc(address), location=_checked_point(location, village.commune_code), is_poor=is_poor,
        is_ethnic_minority=is_ethnic_minority, is_remote=is_remote, created_by=caller.user_id if caller else None,
    )
    db.session.add(household)
    db.session.flush()
    activity_record(action="household.create", object_type="household", object_id=household.public_id,
                    log_unit=household.commune_code, caller=caller,
                    body={"village_id": village.id, "has_location": location is not None,
                          **{flag: getattr(household, flag) for flag in _FLAGS}})
    return household


def household_update(*, caller: Caller, household: Household, changes: dict,
                     expected_version: int | None = None) -> Household:
    """Change address, village, location or priority flags. What changed is logged (not the address).
    ``expected_version``: the version the edit was made against (:func:`version_check`)."""
    version_check(household, expected_version)
    if "village_id" in changes and changes["village_id"] != household.village_id:
        village = village_get(caller=caller, village_id=changes["village_id"])
        if village.commune_code != household.commune_code:
            raise AppError("village.not_found")
        household.village_id = village.id
        for member in household.members:
            member.village_id = village.id
    if "address" in changes:
        household.address = nfc(changes["address"])
    if "location" in changes:
        household.location = _checked_point(changes["location"], household.commune_code)
    for flag in _FLAGS:
        if flag in changes:
            setattr(household, flag, changes[flag])
    db.session.flush()
    activity_record(action="household.update", object_type="household", object_id=household.public_id,
                    log_unit=household.commune_code, caller=caller,
                    body={"fields": sorted(changes), **{f: changes[f] for f in _FLAGS if f in changes},
                          **({"village_id": changes["village_id"]} if "village_id" in changes else {})})
    return household


def household_mark_visited(household: Household, visited_at: datetime) -> None:
    """The household's last visit, from a visit that counts."""
    if household.last_visited_at is None or household.last_visited_at < visited_at:
        household.last_visited_at = visited_at


def digital_core_members_query(household_id: int):
    """Members holding all five Digital Family skills, confirmed (a claimed skill does not count)."""
    return (select(Person).join(PersonSkill).where(Person.household_id == household_id,
                                                   PersonSkill.skill.in_(DIGITAL_FAMILY_SKILLS),
                                                   PersonSkill.status == SkillStatus.confirmed)
            # The whole primary key on PostgreSQL (id, commune_code: fieldapp/distribution.py), so that the
            # person's other columns depend on the group.
            .group_by(Person.id, Person.commune_code).having(func.count() == len(DIGITAL_FAMILY_SKILLS)))


def household_derive_digital_family(household: Household) -> None:
    """Why derived: a Digital Family is a fact about its members' skills (letter 3240/BTTTT-CĐSQG),
    so nobody can set it by hand; it is recomputed whenever a member's skills change."""
    is_family = db.session.scalar(select(func.count()).select_from(
        digital_core_members_query(household.id).subquery())) > 0
    if is_family and household.digital_family_at is None:
        household.digital_family_at = utcnow()
    elif not is_family and household.digital_family_at is not None:
        household.digital_family_at = None
    db.session.flush()
