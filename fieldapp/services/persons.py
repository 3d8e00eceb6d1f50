"""People: residents of a household, their consent, and duplicates."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from flask import current_app
from sqlalchemy import select, text, update

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.ids import new_public_id
from fieldapp.models.confirmations import PlatformConfirmation
from fieldapp.models.households import Household
from fieldapp.models.organisations import OrganisationMember
from fieldapp.models.persons import Person, Sex
from fieldapp.models.skills import PersonSkill, SkillEvent
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.activity import activity_record
from fieldapp.services.versions import version_check
from fieldapp.text import fold, nfc

_CITIZEN_ID = re.compile(r"^\d{12}$")


def citizen_id_digest(citizen_id: str) -> str:
    """Keyed hash of a CCCD number, so that duplicates can be found without storing the number."""
    if not _CITIZEN_ID.match(citizen_id or ""):
        raise AppError("request.invalid", errors={"citizen_id": ["12 digits"]})
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, b"cccd:" + citizen_id.encode("ascii"), hashlib.sha256).hexdigest()


def _phone(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise AppError("user.phone_invalid", errors={"phone": ["+84xxxxxxxxx or 0xxxxxxxxx"]}) from exc


def _birth_year(value: int | None) -> int | None:
    if value is not None and not (1900 <= value <= utcnow().year):
        raise AppError("person.birth_year_invalid", errors={"birth_year": [f"1900–{utcnow().year}"]})
    return value


class _HasBirthYear(Protocol):
    birth_year: int | None


_Same = TypeVar("_Same", bound=_HasBirthYear)


def likely_duplicates(birth_year: int | None, same_name: Iterable[_Same]) -> list[_Same]:
    """The one rule for a likely duplicate person, used when a person is added (:func:`person_create`)
    and when a list is imported (``services/imports/validation.py``, against the village and within the file).

    ``same_name`` are people of the same village with the same folded name ("Nguyen Thi Hoa" is
    "Nguyễn Thị Hoà"); of them, those whose birth year does not tell them apart from the new person
    are likely the same: the same year, or a year unknown on either side.

    Why an unknown year matches: communes' lists and the phone often leave it blank, and a blank says
    nothing against being the same person; if it matched nothing, a resident listed without a year
    and later added with one (or the other way round) would be stored twice, and counted twice.
    Why this does not flood: the whole name must be the same, in one village, where a handful of
    people at most share a full name; two known years that differ never match; an erased person,
    whose name is gone, never matches. The caller confirms the few it finds (``confirm_duplicate``,
    ``allow_duplicates``).
    """
    return [other for other in same_name
            if birth_year is None or other.birth_year is None or other.birth_year == birth_year]


def duplicate_candidates(*, village_id: int, commune_code: str, full_name: str, birth_year: int | None,
                         citizen_id_hash: str | None = None) -> list[Person]:
    """People of the village that :func:`likely_duplicates` finds, or of the commune with the same
    citizen id. Never wider than the commune: the 409 names who they are, and must not carry another
    area's residents (on PostgreSQL row-level security hides them; on SQLite this clause does)."""
    same_name = db.session.scalars(select(Person).where(Person.village_id == village_id,
                                                        Person.name_folded == fold(full_name)).order_by(Person.id))
    found = likely_duplicates(birth_year, same_name)
    if citizen_id_hash:
        found += [p for p in db.session.scalars(select(Person).where(
            Person.citizen_id_hash == citizen_id_hash, Person.commune_code == commune_code)) if p not in found]
    return found


def person_create(*, caller: Caller | None, household: Household, full_name: str, birth_year: int | None = None,
                  sex: str | None = None, phone: str | None = None, is_head: bool = False,
                  has_disability: bool = False, is_ethnic_minority: bool | None = None,
                  citizen_id: str | None = None, consent: dict | None = None,
                  confirm_duplicate: bool = False, target_groups: Iterable[str] = ()) -> Person:
    """Add a resident to ``household``.

    A likely duplicate (:func:`likely_duplicates` in the village, or the same citizen id in the commune)
    is refused with 409 and the candidates, unless the caller confirms it is someone else.
    """
    name = nfc(full_name)
    digest = citizen_id_digest(citizen_id) if citizen_id else None
    if not confirm_duplicate:
        candidates = duplicate_candidates(village_id=household.village_id, commune_code=household.commune_code,
                                          full_name=name,
                                          birth_year=_birth_year(birth_year), citizen_id_hash=digest)
        if candidates:
            raise AppError("person.possible_duplicate", errors={"candidates": [
                {"id": p.public_id, "household_id": p.household.public_id, "full_name": p.shown_name,
                 "birth_year": p.birth_year} for p in candidates]})
    if is_head and db.session.scalar(select(Person.id).where(Person.household_id == household.id,
                                                             Person.is_head.is_(True))) is not None:
        raise AppError("person.head_taken", errors={"is_head": ["taken"]})
    person = Person(
        public_id=new_public_id("P"), household_id=household.id, commune_code=household.commune_code,
        village_id=household.village_id, full_name=name, name_folded=fold(name), birth_year=_birth_year(birth_year),
        sex=Sex(sex) if sex else None, phone=_phone(phone), is_head=is_head, has_disability=has_disability,
        is_ethnic_minority=household.is_ethnic_minority if is_ethnic_minority is None else is_ethnic_minority,
        citizen_id_hash=digest, created_by=caller.user_id if caller else None,
    )
    person.target_groups = target_groups
    if consent:
        person.consent_collected_by = caller.user_id if caller else None
        person.consent_collected_at = consent.get("collected_at") or utcnow()
        person.consent_purpose = consent["purpose"]
        person.consent_notice_version = consent["notice_version"]
    db.session.add(person)
    db.session.flush()
    activity_record(action="person.create", object_type="person", object_id=person.public_id,
                    log_unit=person.commune_code, caller=caller,
                    body={"household_id": household.public_id, "consent": bool(consent),
                          "duplicate_confirmed": confirm_duplicate})
    return person


def person_processing_check(people: Iterable[Person], *, field: str = "person_id") -> None:
    """Refuse to record anything new about people who withdrew consent or were erased: the one guard
    that person updates, skills, visits, session attendance, check-ins of a person card, mentorships
    and promotions call before they write.

    Why: withdrawing consent stops processing from then on (Decree 13/2023/NĐ-CP art. 12; what was
    done before stays lawful, so what they were counted in stays); a support record, a skill or an
    attendance is new processing of them. An erased person's record exists only for the counts
    (Law 91/2025/QH15): it never changes again. ``errors[field]`` lists every one refused, so a
    phone can send the rest again without them.
    """
    erased = [p.public_id for p in people if p.erased_at is not None]
    if erased:
        raise AppError("person.erased", errors={field: erased})
    withdrawn = [p.public_id for p in people if p.consent_withdrawn_at is not None]
    if withdrawn:
        raise AppError("person.consent_withdrawn", errors={field: withdrawn})


def _person_move(caller: Caller, person: Person, household_id: str) -> None:
    """Move a resident to another household (marriage, a new home): the household is looked up as a
    read of it would be (another area's is not found). Their commune and village follow, and so do the
    counts (fieldapp/models/tallies.py); the support they were given stays where it was given. Both
    households' Digital Family status is derived again. A head stays head only where there is none."""
    from fieldapp.selectors.households import household_get
    from fieldapp.services.households import household_derive_digital_family

    target = household_get(caller=caller, public_id=household_id)
    if target.id == person.household_id:
        return
    if person.is_head and db.session.scalar(select(Person.id).where(Person.household_id == target.id,
                                                                    Person.is_head.is_(True))) is not None:
        person.is_head = False
    left = person.household
    moved = target.commune_code != person.commune_code
    if moved and db.session.get_bind().dialect.name == "postgresql":
        # Their keys to the person hold the commune (fieldapp/distribution.py) and are the only deferrable
        # ones: checked at commit, once the person and what they hold have moved together.
        db.session.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    person.household_id, person.commune_code, person.village_id = target.id, target.commune_code, target.village_id
    db.session.flush()
    if moved:
        # What the person holds moves with them (fieldapp.distribution.MOVES_WITH_THE_PERSON): their skills
        # and the skills' history, their memberships, and the platform's confirmations (the evidence of a
        # skill: the new commune's officers read them with it, row-level security reading this commune).
        for model in (OrganisationMember, PlatformConfirmation, PersonSkill, SkillEvent):
            db.session.execute(update(model).where(model.person_id == person.id)
                               .values(commune_code=target.commune_code))
    db.session.expire(person, ["household"])
    db.session.expire(left, ["members"])
    db.session.expire(target, ["members"])
    for member_of in (left, target):
        household_derive_digital_family(member_of)


def person_update(*, caller: Caller, person: Person, changes: dict, expected_version: int | None = None) -> Person:
    """Correct a resident's details, or record consent given or withdrawn. Skills change only through
    :func:`skills_record`.

    After a withdrawal only consent may change: withdrawn again (nothing happens, the first date
    stays) or given again, with a new purpose and notice, which lets the other fields in the same
    request through. An erased person changes no more.
    """
    version_check(person, expected_version)
    consent_given = changes.get("consent") is not None
    if person.erased_at is not None:
        raise AppError("person.erased", errors={name: ["erased"] for name in sorted(changes)})
    if person.consent_withdrawn_at is not None and not consent_given:
        refused = sorted(name for name in changes if name != "consent")
        if refused:
            raise AppError("person.consent_withdrawn", errors={name: ["consent withdrawn"] for name in refused})
    if "full_name" in changes:
        person.full_name = nfc(changes["full_name"])
        person.name_folded = fold(person.full_name)
    if "birth_year" in changes:
        person.birth_year = _birth_year(changes["birth_year"])
    if "sex" in changes:
        person.sex = Sex(changes["sex"]) if changes["sex"] else None
    if "phone" in changes:
        person.phone = _phone(changes["phone"])
    if changes.get("is_head") and not person.is_head:
        if db.session.scalar(select(Person.id).where(Person.household_id == person.household_id,
                                                     Person.is_head.is_(True))) is not None:
            raise AppError("person.head_taken", errors={"is_head": ["taken"]})
    for flag in ("is_head", "has_disability", "is_ethnic_minority"):
        if flag in changes:
            setattr(person, flag, changes[flag])
    if "household_id" in changes:
        _person_move(caller, person, changes["household_id"])
    if "target_groups" in changes:  # the whole set: the groups given, and no other
        person.target_groups = changes["target_groups"] or ()
    if "consent" in changes:
        consent = changes["consent"]
        if consent is None:  # withdrawn; withdrawing again keeps the first date
            person.consent_withdrawn_at = person.consent_withdrawn_at or utcnow()
        else:
            # Given (again): a new consent, collected now, under the notice shown now. The earlier one
            # and its withdrawal stay in the activity log.
            person.consent_collected_by, person.consent_collected_at = caller.user_id, utcnow()
            person.consent_purpose, person.consent_notice_version = consent["purpose"], consent["notice_version"]
            person.consent_withdrawn_at = None
    db.session.flush()
    body = {"fields": sorted(changes)}
    if "consent" in changes:
        body["consent"] = "given" if consent_given else "withdrawn"
    if "household_id" in changes:
        body["household_id"] = person.household.public_id
    activity_record(action="person.update", object_type="person", object_id=person.public_id,
                    log_unit=person.commune_code, caller=caller, body=body)
    return person
