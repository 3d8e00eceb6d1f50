"""Officers' review of held-back evidence: accept it (it counts) or reject it (it never will), with why.

Anchors: ODK Central reviews submissions (received, has issues, approved, rejected) and DHIS2
approves data, neither of them into a tamper-evident log. Here each decision is appended
(fieldapp.models.evidence.EvidenceReview, never changed: a later one revises it) and written to the
commune's activity log in the same transaction, and the evidence's status follows the latest:

- a check-in counts, or not (a session's count reads it);
- a visit counts, or not, and so do its support records; the skills it recorded are confirmed, or
  withdrawn from the record; the household is marked visited once it counts;
- a claimed skill is confirmed, or withdrawn (a later acceptance puts it back, as first recorded).

Nothing is erased: the evidence, its flags and every decision stay, and the skills history keeps
each change.
"""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import (
    EvidenceKind,
    EvidenceReview,
    EvidenceStatus,
    EvidenceType,
    ReviewDecision,
    SkillStatus,
    Verdict,
    checkin_type,
)
from fieldapp.models.persons import Person
from fieldapp.models.skills import PersonSkill, Skill, SkillEvent
from fieldapp.models.support_records import SupportRecord
from fieldapp.selectors.checkins import checkin_get
from fieldapp.selectors.persons import person_get
from fieldapp.selectors.reviews import latest_review, review_target_check
from fieldapp.selectors.visits import visit_get
from fieldapp.services.activity import activity_record
from fieldapp.services.evidence import judged, status_of_skill_from
from fieldapp.services.households import household_derive_digital_family, household_mark_visited


def review_decide(*, caller: Caller, target_type: str, target_ref: str, decision: ReviewDecision | str,
                  reason: str) -> tuple[EvidenceReview, str]:
    """Decide on a check-in, a visit or a claimed skill of the caller's area; returns the review and
    the evidence's status after it."""
    review_target_check(target_type)
    decision = ReviewDecision(decision)
    if target_type == "checkin":
        commune, flags, status = _checkin_decide(caller, target_ref, decision)
    elif target_type == "visit":
        commune, flags, status = _visit_decide(caller, target_ref, decision)
    else:
        commune, flags, status = _skill_decide(caller, target_ref, decision)
    previous = latest_review(target_type=target_type, target_ref=target_ref)
    review = EvidenceReview(commune_code=commune, target_type=target_type, target_ref=target_ref, decision=decision,
                            reason=reason, flags=",".join(flags), reviewed_by=caller.user_id,
                            revises_id=previous.id if previous else None)
    db.session.add(review)
    db.session.flush()
    activity_record(action="review.accept" if decision == ReviewDecision.accepted else "review.reject",
                    object_type=target_type, object_id=target_ref,
                    log_unit=commune, caller=caller,
                    body={"review_id": review.id, "decision": decision.value, "status": status,
                          "revises": previous.id if previous else None, "flags": flags})
    return review, status


def _reviewable(verdict: Verdict) -> None:
    # What the server verified needs no review; what it rejected (a forged or expired code, a time in
    # the future) no review can make true.
    if verdict != Verdict.accepted_with_flags:
        raise AppError("review.not_reviewable")


def _checkin_decide(caller: Caller, client_id: str, decision: ReviewDecision) -> tuple[str, list, str]:
    checkin = checkin_get(caller=caller, client_id=client_id)
    _reviewable(checkin.verdict)
    status = judged(checkin_type(checkin.target_kind), checkin.verdict, checkin.flags, decision)
    if status == EvidenceStatus.counted and checkin.evidence_status != EvidenceStatus.counted \
            and checkin.session_id is not None and db.session.scalar(select(CheckIn.id).where(
                CheckIn.session_id == checkin.session_id, CheckIn.user_id == checkin.user_id,
                CheckIn.evidence_status == EvidenceStatus.counted)) is not None:
        # One counted check-in per person and session: another one already counts.
        raise AppError("review.already_counted")
    checkin.evidence_status = status
    return checkin.commune_code, list(checkin.flags), status.value


def _visit_decide(caller: Caller, public_id: str, decision: ReviewDecision) -> tuple[str, list, str]:
    visit = visit_get(caller=caller, public_id=public_id)
    _reviewable(visit.verdict)
    status = judged(EvidenceType.visit, visit.verdict, visit.flags, decision)
    visit.evidence_status = status
    # Through the ORM, not a Core UPDATE: the indicators' roll-ups move with it (fieldapp/models/tallies.py).
    for record in db.session.scalars(select(SupportRecord).where(SupportRecord.source_kind == EvidenceKind.visit,
                                                                 SupportRecord.source_id == visit.public_id)):
        record.evidence_status = status
    # The skills the visit recorded (its grants in the history: a rejection may have withdrawn them
    # since), unless one is held now on other evidence, which this decision does not touch.
    recorded = db.session.execute(select(SkillEvent.person_id, SkillEvent.skill).where(
        SkillEvent.change == "granted", SkillEvent.evidence_kind == EvidenceKind.visit,
        SkillEvent.evidence_ref == visit.public_id).distinct()).all()
    skill_status = None if status == EvidenceStatus.rejected else status_of_skill_from(status)
    for person_id, skill in recorded:
        person = db.session.get(Person, person_id)
        held = next((s for s in person.skills if s.skill == skill), None)
        if held is not None and (held.evidence_kind, held.evidence_ref) != (EvidenceKind.visit, visit.public_id):
            continue
        _skill_apply(caller, person, skill, skill_status, review_ref=f"visit:{public_id}")
    if status == EvidenceStatus.counted:
        household_mark_visited(visit.household, visit.visited_at)
    return visit.commune_code, list(visit.flags), status.value


def _skill_decide(caller: Caller, ref: str, decision: ReviewDecision) -> tuple[str, list, str]:
    public_id, _, skill_name = ref.partition(":")
    try:
        skill = Skill(skill_name)
    except ValueError as exc:
        raise AppError("review.not_reviewable") from exc
    person = person_get(caller=caller, public_id=public_id)
    held = next((s for s in person.skills if s.skill == skill), None)
    ever_reviewed = latest_review(target_type="skill", target_ref=ref) is not None
    if (held is None or held.status != SkillStatus.claimed) and not ever_reviewed:
        raise AppError("review.not_reviewable")
    status = SkillStatus.confirmed if decision == ReviewDecision.accepted else None
    _skill_apply(caller, person, skill, status, review_ref=f"review:{ref}")
    return person.commune_code, [], (status.value if status else "withdrawn")


def _skill_apply(caller: Caller, person, skill: Skill, status: SkillStatus | None, *, review_ref: str) -> None:
    """Confirm a claimed skill (putting it back, as first recorded, if a review had withdrawn it), keep
    it claimed, or withdraw it (``status=None``); each change in the skills history."""
    held = next((s for s in person.skills if s.skill == skill), None)
    if status is None:
        if held is None:
            return
        person.skills.remove(held)
        change = "rejected"
    elif held is not None:
        if held.status == status:
            return
        held.status = status
        change = "confirmed" if status == SkillStatus.confirmed else "claimed"
    else:
        granted = db.session.scalar(select(SkillEvent).where(
            SkillEvent.person_id == person.id, SkillEvent.skill == skill, SkillEvent.change == "granted")
            .order_by(SkillEvent.id.desc()).limit(1))
        if granted is None:
            return
        person.skills.append(PersonSkill(skill=skill, commune_code=person.commune_code, recorded_by=granted.recorded_by,
                                         recorded_at=granted.recorded_at,
                                         evidence_kind=granted.evidence_kind, evidence_ref=granted.evidence_ref,
                                         status=status))
        change = "confirmed"
    db.session.add(SkillEvent(person_id=person.id, commune_code=person.commune_code, skill=skill, change=change,
                              recorded_by=caller.user_id,
                              evidence_kind=EvidenceKind.other, evidence_ref=review_ref[:64]))
    db.session.flush()
    household_derive_digital_family(person.household)

