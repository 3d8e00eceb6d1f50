"""The skills record: every change kept with who, when and on what evidence; Digital Family derived.

A skill is ``confirmed`` or ``claimed`` (fieldapp.models.evidence): recorded on evidence held back
for review, or by a field user on nothing the system can check, it is claimed, and the Digital Family
status (like every count) reads confirmed skills only.
"""
from __future__ import annotations

from datetime import date

from fieldapp.auth.callers import Caller
from fieldapp.clock import today_in_vietnam, utcnow
from fieldapp.errors import AppError, FieldMessage
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, SkillStatus
from fieldapp.models.persons import Person
from fieldapp.models.skills import PersonSkill, Skill, SkillEvent
from fieldapp.selectors.evidence import skill_evidence_check
from fieldapp.services.activity import activity_record
from fieldapp.services.evidence import hand_recorded_skill_flags, skill_status
from fieldapp.services.households import household_derive_digital_family
from fieldapp.services.persons import person_processing_check

#: The national programme's confirmations on VNeID began in 2025; an earlier date is a typing mistake.
CONFIRMED_FROM = date(2025, 1, 1)


def _check_confirmed_on(confirmed_on: date | None) -> None:
    """A VNeID confirmation date lies between the programme's start and today (Vietnam's date)."""
    if confirmed_on is None:
        return
    today = today_in_vietnam()
    if not CONFIRMED_FROM <= confirmed_on <= today:
        raise AppError("skill.confirmation_date_invalid", errors={"confirmed_on": [FieldMessage(
            f"từ {CONFIRMED_FROM:%d/%m/%Y} đến hôm nay", f"from {CONFIRMED_FROM.isoformat()} to today")]})


def person_skills_record(*, caller: Caller, person: Person, grant: list[Skill] = (), withdraw: list[Skill] = (),
                         evidence_kind: EvidenceKind | str, evidence_ref: str | None = None,
                         confirmed_on: date | None = None) -> Person:
    """The skills record as a caller changes it by hand (``POST /persons/{id}/skills``): the evidence it
    names is looked up through the caller's reach first, as a read would be; a skill it grants is
    confirmed or claimed by :func:`fieldapp.services.evidence.hand_recorded_skill_flags`."""
    evidence_kind = EvidenceKind(evidence_kind)
    skill_evidence_check(caller=caller, kind=evidence_kind, ref=evidence_ref)
    flags = hand_recorded_skill_flags(caller=caller, person=person, evidence_kind=evidence_kind,
                                      evidence_ref=evidence_ref)
    return skills_record(caller=caller, person=person, grant=grant, withdraw=withdraw, evidence_kind=evidence_kind,
                         evidence_ref=evidence_ref, confirmed_on=confirmed_on, status=skill_status(flags))


def skills_record(*, caller: Caller | None, person: Person, grant: list[Skill] = (), withdraw: list[Skill] = (),
                  evidence_kind: EvidenceKind | str, evidence_ref: str | None = None,
                  confirmed_on: date | None = None, status: SkillStatus = SkillStatus.confirmed) -> Person:
    """Grant and withdraw skills of ``person`` on one piece of evidence, then re-derive the household.

    Granted skills take ``status``; a skill already claimed, granted again on evidence that
    confirms it, becomes confirmed on that evidence ("confirmed" in its history)."""
    person_processing_check([person])
    evidence_kind = EvidenceKind(evidence_kind)
    now = utcnow()
    held = {s.skill: s for s in person.skills}
    if Skill.vneid_programme_confirmed in grant and confirmed_on is None:
        raise AppError("skill.confirmation_date_required", errors={"confirmed_on": ["required"]})
    _check_confirmed_on(confirmed_on)
    changed = []
    for skill in dict.fromkeys(Skill(s) for s in grant):
        if skill in held:
            if held[skill].status == SkillStatus.claimed and status == SkillStatus.confirmed:
                held[skill].status, held[skill].evidence_kind, held[skill].evidence_ref = (
                    status, evidence_kind, evidence_ref)
                changed.append(("confirmed", skill))
            continue
        person.skills.append(PersonSkill(
            skill=skill, commune_code=person.commune_code, recorded_by=caller.user_id if caller else None,
            recorded_at=now,
            evidence_kind=evidence_kind, evidence_ref=evidence_ref, status=status,
            confirmed_on=confirmed_on if skill == Skill.vneid_programme_confirmed else None))
        changed.append(("granted", skill))
    for skill in dict.fromkeys(Skill(s) for s in withdraw):
        if skill in held:
            person.skills.remove(held[skill])
            changed.append(("withdrawn", skill))
    for change, skill in changed:
        db.session.add(SkillEvent(person_id=person.id, commune_code=person.commune_code, skill=skill, change=change,
                                  recorded_by=caller.user_id if caller else None, recorded_at=now,
                                  evidence_kind=evidence_kind, evidence_ref=evidence_ref))
    db.session.flush()
    if changed:
        household_derive_digital_family(person.household)
        activity_record(action="person.skills_record", object_type="person", object_id=person.public_id,
                        log_unit=person.commune_code, caller=caller,
                        body={"granted": [s.value for c, s in changed if c == "granted"],
                              "withdrawn": [s.value for c, s in changed if c == "withdrawn"],
                              "confirmed": [s.value for c, s in changed if c == "confirmed"],
                              "status": status.value, "evidence": evidence_kind.value, "evidence_ref": evidence_ref})
    return person
