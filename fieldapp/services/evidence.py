"""The rule of what counts (fieldapp.models.evidence), applied where evidence is recorded.

Check-ins, visits and skills get their status here, from the deployment's table of flags that hold
back evidence (``EVIDENCE_HOLD_BACK``, else the default). Everything that counts reads those
statuses; nothing else decides them but a review (fieldapp.services.reviews).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, or_, select

from fieldapp.auth.callers import Caller
from fieldapp.extensions import db
from fieldapp.models.evidence import (
    EvidenceKind,
    EvidenceStatus,
    EvidenceType,
    ReviewDecision,
    SkillStatus,
    Verdict,
    configured_hold_back,
    evidence_status,
)
from fieldapp.models.mentorships import InteractionMethod, MentoringInteraction, Mentorship
from fieldapp.models.persons import Person
from fieldapp.models.sessions import LearningSession, SessionAttendee
from fieldapp.models.users import Role
from fieldapp.models.visits import Visit

#: Roles whose hand-recorded skills are confirmed: the officers who also decide the reviews.
OFFICER_ROLES = frozenset({Role.commune_officer, Role.province_officer, Role.admin})
#: The flag a skill carries when nothing the system can check proves it.
NO_SYSTEM_EVIDENCE = "no_system_evidence"


def judged(kind: EvidenceType, verdict: Verdict, flags: Iterable[str],
           decision: ReviewDecision | None = None) -> EvidenceStatus:
    """The status of a check-in or a visit with this verdict, these flags and this latest review."""
    return evidence_status(kind, rejected=verdict == Verdict.rejected, flags=flags, table=configured_hold_back(),
                           decision=decision)


def skill_status(flags: Iterable[str], decision: ReviewDecision | None = None) -> SkillStatus:
    status = evidence_status(EvidenceType.skill, rejected=False, flags=flags, table=configured_hold_back(),
                             decision=decision)
    return SkillStatus.confirmed if status == EvidenceStatus.counted else SkillStatus.claimed


def status_of_skill_from(evidence: EvidenceStatus) -> SkillStatus:
    """A skill recorded on a check-in's or a visit's evidence is as good as that evidence."""
    return SkillStatus.confirmed if evidence == EvidenceStatus.counted else SkillStatus.claimed


def vouched(caller: Caller | None) -> bool:
    """An officer (or the operator's command line) records on their own authority: they are who
    reviews what field users record."""
    return caller is None or caller.role in OFFICER_ROLES


def mentoring_skill_flags(caller: Caller | None, mentorship: Mentorship) -> list[str]:
    """The flags of skills a mentorship records as reached: none when an officer records them or a
    meeting is on record with a proof of place; else ``no_system_evidence``."""
    return [] if vouched(caller) or mentoring_proven(mentorship) else [NO_SYSTEM_EVIDENCE]


def mentoring_proven(mentorship: Mentorship) -> bool:
    """A mentorship proves the skills it records when a meeting of it is on record with a proof of
    place: a scanned card, or a location (the plans: dated, located meetings are the evidence)."""
    return db.session.scalar(select(exists().where(
        MentoringInteraction.mentorship_id == mentorship.id,
        or_(MentoringInteraction.method == InteractionMethod.qr_scan, MentoringInteraction.location.is_not(None)))))


def hand_recorded_skill_flags(*, caller: Caller, person: Person, evidence_kind: EvidenceKind,
                              evidence_ref: str | None) -> list[str]:
    """The flags of a skill recorded by hand (``POST /persons/{id}/skills``): none when an officer
    records it, or when its evidence (already looked up through the caller's reach) is counted
    evidence about this person: a counted visit to their household, a session they were recorded at,
    their own proven mentorship. Else ``no_system_evidence``: claimed until reviewed."""
    if vouched(caller):
        return []
    if evidence_ref is not None:
        if evidence_kind == EvidenceKind.visit:
            visit = db.session.scalar(select(Visit).where(Visit.public_id == evidence_ref))
            if visit is not None and visit.household_id == person.household_id \
                    and visit.evidence_status == EvidenceStatus.counted:
                return []
        elif evidence_kind == EvidenceKind.session:
            attended = db.session.scalar(select(exists().where(
                SessionAttendee.person_id == person.id, SessionAttendee.session_id == select(LearningSession.id)
                .where(LearningSession.public_id == evidence_ref).scalar_subquery())))
            if attended:
                return []
        elif evidence_kind == EvidenceKind.mentoring:
            mentorship = db.session.scalar(select(Mentorship).where(Mentorship.public_id == evidence_ref))
            if mentorship is not None and mentorship.mentee_person_id == person.id and mentoring_proven(mentorship):
                return []
    return [NO_SYSTEM_EVIDENCE]
