"""A person's rights over their data (Decree 13/2023/NĐ-CP; Law 91/2025/QH15): see it, erase it.

Erasure pseudonymises: name, phone and citizen-id hash go, and so do the household's address and
location when nobody else lives there; what indicators count (birth year, sex, priority groups,
skills, support given, the household's Digital Family status) stays, attached to a public id that
names no one. It is final: the record never changes again (``person_processing_check``). The
activity log held ids only, so it needs no change and still verifies.
"""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.exports import vn_date
from fieldapp.extensions import db
from fieldapp.models.persons import Person
from fieldapp.models.sessions import SessionAttendee
from fieldapp.models.skills import SkillEvent
from fieldapp.models.support_records import SupportRecord
from fieldapp.services.activity import activity_record

ERASED_NAME = "[đã xoá]"


def person_data_export(*, caller: Caller, person: Person) -> dict:
    """Everything held about a person, for them to see (the export itself is logged)."""
    events = db.session.scalars(select(SkillEvent).where(SkillEvent.person_id == person.id).order_by(SkillEvent.id))
    records = db.session.scalars(select(SupportRecord).where(SupportRecord.person_id == person.id)
                                 .order_by(SupportRecord.id))
    attended = db.session.scalars(select(SessionAttendee).where(SessionAttendee.person_id == person.id))
    activity_record(action="person.data_export", object_type="person", object_id=person.public_id,
                    log_unit=person.commune_code, caller=caller)
    return {
        "id": person.public_id, "household_id": person.household.public_id, "full_name": person.full_name,
        "birth_year": person.birth_year, "sex": person.sex.value if person.sex else None, "phone": person.phone,
        "is_head": person.is_head, "has_disability": person.has_disability,
        "is_ethnic_minority": person.is_ethnic_minority,
        "target_groups": [g.value for g in person.target_groups], "address": person.household.address,
        "village": person.household.village.name, "citizen_id_held": "chỉ mã băm để phát hiện trùng lặp"
        if person.citizen_id_hash else None,
        "consent": {"collected_at": vn_date(person.consent_collected_at), "purpose": person.consent_purpose,
                    "notice_version": person.consent_notice_version,
                    "withdrawn_at": vn_date(person.consent_withdrawn_at)},
        "skills": [{"skill": s.skill.value, "recorded_at": vn_date(s.recorded_at), "evidence": s.evidence_kind.value}
                   for s in person.skills],
        "skill_history": [{"skill": e.skill.value, "change": e.change, "at": vn_date(e.recorded_at),
                           "evidence": e.evidence_kind.value} for e in events],
        "support_received": [{"skill": r.skill.value, "at": vn_date(r.supported_at), "how": r.source_kind.value,
                              "proof": r.proof, "organisation": r.organisation.code if r.organisation else None}
                             for r in records],
        "sessions_attended": [a.session_id for a in attended],
        "platform_confirmations": [{"confirmed_on": c.confirmed_on.isoformat(), "course": c.course, "level": c.level,
                                    "file_sha256": c.file_sha256, "line": c.line}
                                   for c in person.platform_confirmations],
    }


def person_erase(*, caller: Caller, person: Person) -> Person:
    """Remove what identifies the person; keep what is counted. Erasing again changes nothing."""
    if person.erased_at is not None:
        return person
    now = utcnow()
    person.full_name = ERASED_NAME
    person.name_folded = ""
    person.phone = None
    person.citizen_id_hash = None
    person.consent_withdrawn_at = person.consent_withdrawn_at or now
    person.erased_at = now
    household = person.household
    # A household where nobody else lives any more (no member, or only erased ones) is where this
    # person lives: its address and point would still say who they are.
    alone = db.session.scalar(select(Person.id).where(Person.household_id == household.id, Person.id != person.id,
                                                      Person.erased_at.is_(None)).limit(1)) is None
    if alone:
        household.address = ERASED_NAME
        household.location = None
    db.session.flush()
    activity_record(action="person.erase", object_type="person", object_id=person.public_id,
                    log_unit=person.commune_code, caller=caller,
                    body={"household_address_cleared": alone})
    return person
