"""Mentorships (mentor → mentee) and the rules of the network, and the interactions that evidence them.

The rules, each checked by the service after it took the commune's network lock (so that two
requests at once are checked one after the other), and the first two held by the database too:

- one active mentor per mentee (partial unique indexes on ``status = 'active'``);
- no self-mentoring (a CHECK for volunteer mentees; the service also sees a resident promoted to
  the mentor's own account);
- no cycles: the mentee may not be above the mentor in the tree (recursive ancestor walk);
- the mentee lives in the mentor's commune;
- a ceiling of active mentees per mentor (``MENTEES_PER_MENTOR_MAX``, 30 by default).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import field_user_clause
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, check_in_commune, point_element, point_of
from fieldapp.ids import new_public_id
from fieldapp.models.ambassadors import Ambassador
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.mentorships import (
    InteractionMethod,
    MentoringInteraction,
    Mentorship,
    MentorshipSkill,
    MentorshipStatus,
)
from fieldapp.models.persons import Person
from fieldapp.models.skills import Skill
from fieldapp.models.units import Unit
from fieldapp.models.users import Role, User
from fieldapp.selectors.ambassadors import mentor_get
from fieldapp.selectors.evidence import interaction_evidence_check
from fieldapp.selectors.network import ancestors_of, mentee_node
from fieldapp.selectors.persons import commune_person_get
from fieldapp.selectors.users import user_get
from fieldapp.services.activity import activity_record
from fieldapp.services.ambassadors import eligible_field_user, network_lock
from fieldapp.services.evidence import mentoring_skill_flags, skill_status
from fieldapp.services.idempotency import written_once
from fieldapp.services.persons import person_processing_check
from fieldapp.services.skills import skills_record

#: Phones' clocks drift; a meeting "in the future" by less than this is taken as now.
CLOCK_SKEW = timedelta(minutes=10)


def _one_mentee(mentee_person_id: str | None, mentee_user_id: int | None) -> None:
    if (mentee_person_id is None) == (mentee_user_id is None):
        raise AppError("mentorship.mentee_required",
                       errors={"mentee_person_id": ["exactly one of mentee_person_id, mentee_user_id"]})


def _has_active_mentor(*, person_id: int | None, user_id: int | None) -> bool:
    """Whether this mentee, under either of their identities (a resident and the account promoted
    from them are one person), already has an active mentor."""
    same = []
    if person_id is not None:
        same.append(Mentorship.mentee_person_id == person_id)
        promoted = db.session.scalar(select(Ambassador.user_id).where(Ambassador.promoted_from_person_id == person_id))
        if promoted is not None:
            same.append(Mentorship.mentee_user_id == promoted)
    if user_id is not None:
        same.append(Mentorship.mentee_user_id == user_id)
        was = db.session.scalar(select(Ambassador.promoted_from_person_id).where(Ambassador.user_id == user_id))
        if was is not None:
            same.append(Mentorship.mentee_person_id == was)
    return db.session.scalar(select(Mentorship.id).where(Mentorship.status == MentorshipStatus.active,
                                                         or_(*same)).limit(1)) is not None


def _started_at(value: datetime | None) -> datetime:
    now = utcnow()
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise AppError("mentorship.start_in_future", errors={"started_at": ["in the future"]})
    return value


def mentorship_create(*, caller: Caller | None, skills: list[Skill | str], mentor_user_id: int | None = None,
                      mentee_person_id: str | None = None, mentee_user_id: int | None = None,
                      started_at: datetime | None = None) -> Mentorship:
    """Start a mentorship: an ambassador guides a resident (by person-card id) or another volunteer."""
    _one_mentee(mentee_person_id, mentee_user_id)
    if mentor_user_id is None:
        if caller is None:
            raise AppError("request.invalid", errors={"mentor_user_id": ["required"]})
        mentor_user_id = caller.user_id
    mentor = mentor_get(caller=caller, user_id=mentor_user_id)
    if not mentor.user.is_active:
        raise AppError("ambassador.not_eligible")
    commune = mentor.commune_code
    network_lock(commune)
    person = user = None
    if mentee_person_id is not None:
        person = commune_person_get(caller=caller, public_id=mentee_person_id)
        person_processing_check([person], field="mentee_person_id")
        if person.commune_code != commune:
            raise AppError("mentorship.mentee_outside_area", errors={"mentee_person_id": ["another commune"]})
        node = mentee_node(person_id=person.id)
    else:
        if mentee_user_id == mentor.user_id:
            raise AppError("mentorship.self")
        user = eligible_field_user(user_get(caller=caller, user_id=mentee_user_id),
                                   error="mentorship.mentee_not_volunteer")
        if user.unit_code != commune:
            raise AppError("mentorship.mentee_outside_area", errors={"mentee_user_id": ["another commune"]})
        node = mentee_node(user_id=user.id)
    if node == mentor.user_id:  # a resident promoted to the mentor's own account
        raise AppError("mentorship.self")
    # Why no cycle: a mentee cannot have trained, directly or down the line, the one who now trains them.
    if node is not None and node in ancestors_of(mentor.user_id):
        raise AppError("mentorship.cycle")
    if _has_active_mentor(person_id=person.id if person else None, user_id=user.id if user else None):
        raise AppError("mentorship.mentee_has_mentor")
    ceiling = current_app.config["MENTEES_PER_MENTOR_MAX"]
    active = db.session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.mentor_user_id == mentor.user_id, Mentorship.status == MentorshipStatus.active))
    if active >= ceiling:
        raise AppError("mentorship.mentor_full", max=ceiling)
    mentorship = Mentorship(public_id=new_public_id("M"), commune_code=commune, mentor_user_id=mentor.user_id,
                            mentee_person_id=person.id if person else None, mentee_user_id=user.id if user else None,
                            status=MentorshipStatus.active, started_at=_started_at(started_at),
                            created_by=caller.user_id if caller else None)
    chosen = list(dict.fromkeys(Skill(s) for s in skills))
    mentorship.skills = [MentorshipSkill(skill=skill, commune_code=commune) for skill in chosen]
    db.session.add(mentorship)
    db.session.flush()
    activity_record(action="mentorship.create", object_type="mentorship", object_id=mentorship.public_id,
                    log_unit=commune, caller=caller,
                    body={"mentor_user_id": mentor.user_id, "mentee_person_id": person.public_id if person else None,
                          "mentee_user_id": user.id if user else None, "skills": [s.value for s in chosen]})
    return mentorship


def _only_for_the_mentor(caller: Caller | None, mentorship: Mentorship) -> None:
    """In the field, a mentorship is changed by its mentor or the mentor's team leader; a volunteer
    who is the mentee reads it and no more. (Officers change those of their area.)"""
    if caller is None or caller.role not in (Role.volunteer, Role.team_leader):
        return
    if db.session.scalar(select(User.id).where(User.id == mentorship.mentor_user_id,
                                               field_user_clause(caller, User.id, User.unit_code))) is None:
        raise AppError("mentorship.not_the_mentor")


def mentorship_update(*, caller: Caller | None, mentorship: Mentorship, status: MentorshipStatus | str | None = None,
                      add_skills: list[Skill | str] = (), skills_reached: list[Skill | str] = ()) -> Mentorship:
    """Record progress (skills added, skills reached) and end a mentorship (completed or dropped).

    A skill reached by a resident is also written to their skills record, with the mentorship as
    evidence, so the household's Digital Family status follows. Completing needs every skill reached.
    """
    _only_for_the_mentor(caller, mentorship)
    if (add_skills or skills_reached) and mentorship.mentee_person is not None:
        # Ending the mentorship of someone who withdrew is allowed: it stops processing.
        person_processing_check([mentorship.mentee_person], field="mentee_person_id")
    network_lock(mentorship.commune_code)
    db.session.refresh(mentorship)
    if mentorship.status != MentorshipStatus.active:
        raise AppError("mentorship.not_active")
    status = MentorshipStatus(status) if status is not None else None
    wanted = list(dict.fromkeys(Skill(s) for s in [*add_skills, *skills_reached]))
    reaching = list(dict.fromkeys(Skill(s) for s in skills_reached))
    held = {s.skill: s for s in mentorship.skills}
    if status == MentorshipStatus.completed:
        missing = sorted(skill.value for skill in {*held, *wanted} - set(reaching)
                         if skill not in held or held[skill].reached_at is None)
        if missing:
            raise AppError("mentorship.skills_not_reached", errors={"skills": missing})
    now = utcnow()
    added = [skill for skill in wanted if skill not in held]
    for skill in added:
        held[skill] = MentorshipSkill(skill=skill, commune_code=mentorship.commune_code)
        mentorship.skills.append(held[skill])
    reached = [skill for skill in reaching if held[skill].reached_at is None]
    for skill in reached:
        held[skill].reached_at, held[skill].reached_by = now, caller.user_id if caller else None
    if status in (MentorshipStatus.completed, MentorshipStatus.dropped):
        mentorship.status, mentorship.ended_at = status, now
        mentorship.ended_by = caller.user_id if caller else None
    db.session.flush()
    if reached and mentorship.mentee_person_id is not None:
        # Confirmed when a meeting of the mentorship is on record with a proof of place; else claimed,
        # for an officer to review (fieldapp.services.evidence).
        flags = mentoring_skill_flags(caller, mentorship)
        skills_record(caller=caller, person=db.session.get(Person, mentorship.mentee_person_id), grant=reached,
                      evidence_kind=EvidenceKind.mentoring, evidence_ref=mentorship.public_id,
                      status=skill_status(flags))
    activity_record(action="mentorship.update", object_type="mentorship", object_id=mentorship.public_id,
                    log_unit=mentorship.commune_code, caller=caller,
                    body={"status": mentorship.status.value, "skills_added": [s.value for s in added],
                          "skills_reached": [s.value for s in reached]})
    return mentorship


def interaction_record(*, caller: Caller, mentorship: Mentorship, method: InteractionMethod | str,
                       occurred_at: datetime, location: dict | None = None, evidence_ref: str | None = None,
                       client_id: str | None = None) -> MentoringInteraction:
    """:func:`interaction_written`, the meeting alone."""
    return interaction_written(caller=caller, mentorship=mentorship, method=method, occurred_at=occurred_at,
                               location=location, evidence_ref=evidence_ref, client_id=client_id)[0]


def interaction_written(*, caller: Caller, mentorship: Mentorship, method: InteractionMethod | str,
                        occurred_at: datetime, location: dict | None = None, evidence_ref: str | None = None,
                        client_id: str | None = None) -> tuple[MentoringInteraction, bool]:
    """Record that mentor and mentee met: when, where, how (QR scan, visit, session, in person).

    Idempotent on ``client_id``: a phone that retries after a lost answer records the meeting once
    (:func:`fieldapp.services.idempotency.written_once`). A meeting keeps no digest of its request:
    its ``client_id`` names it within its mentorship, and the same one sent for another mentorship is
    409 ``idempotency.conflict``.
    Why evidence: the plans count people supported on lists and logs, not on general reports; a
    mentorship with its dated, located meetings is that evidence.
    """
    if caller.user_id != mentorship.mentor_user_id:
        raise AppError("mentorship.not_the_mentor")
    return written_once(
        MentoringInteraction, client_id=client_id, owner=mentorship.id, owner_attr="mentorship_id", digest=None,
        write=lambda: _interaction_write(caller=caller, mentorship=mentorship, method=method, occurred_at=occurred_at,
                                         location=location, evidence_ref=evidence_ref, client_id=client_id))


def _interaction_write(*, caller: Caller, mentorship: Mentorship, method: InteractionMethod | str,
                       occurred_at: datetime, location: dict | None, evidence_ref: str | None,
                       client_id: str | None) -> MentoringInteraction:
    if mentorship.mentee_person is not None:
        person_processing_check([mentorship.mentee_person], field="mentee_person_id")
    method = InteractionMethod(method)
    interaction_evidence_check(caller=caller, mentorship=mentorship, method=method, ref=evidence_ref)
    now = utcnow()
    ended = mentorship.ended_at or now
    if not (mentorship.started_at - CLOCK_SKEW <= occurred_at <= min(ended, now) + CLOCK_SKEW):
        raise AppError("interaction.time_invalid", errors={"occurred_at": ["in the future, or outside the mentorship"]})
    if location is None and method in (InteractionMethod.qr_scan, InteractionMethod.in_person):
        raise AppError("interaction.location_required", errors={"location": ["required"]})
    point = None
    if location is not None:
        point = LatLon(location["lat"], location["lon"])
        unit = db.session.get(Unit, mentorship.commune_code)
        check_in_commune(point, centroid=point_of(unit.centroid), area_km2=unit.area_km2)
    interaction = MentoringInteraction(
        mentorship_id=mentorship.id, commune_code=mentorship.commune_code, method=method, occurred_at=occurred_at,
        location=point_element(point) if point else None, evidence_ref=evidence_ref, client_id=client_id,
        recorded_by=caller.user_id, recorded_at=now)
    db.session.add(interaction)
    db.session.flush()
    activity_record(action="mentorship.interaction", object_type="mentorship", object_id=mentorship.public_id,
                    log_unit=mentorship.commune_code, caller=caller, client_id=client_id,
                    body={"interaction_id": interaction.id, "method": method.value,
                          "occurred_at": occurred_at.isoformat(), "evidence_ref": evidence_ref,
                          "has_location": point is not None})
    return interaction

