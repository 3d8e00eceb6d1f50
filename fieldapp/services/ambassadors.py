"""Digital Ambassadors (Đại sứ số): appointing a volunteer, promoting a mentee who completed the skills."""
from __future__ import annotations

from sqlalchemy import func, select, text

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.ambassadors import Ambassador, AmbassadorOrigin
from fieldapp.models.mentorships import Mentorship, MentorshipStatus
from fieldapp.models.persons import Person
from fieldapp.models.users import Role, User
from fieldapp.selectors.users import field_user_get, user_get
from fieldapp.services.activity import activity_record
from fieldapp.services.persons import person_processing_check

#: Who can be an ambassador, or a volunteer mentee: the field roles (as for teams).
FIELD_ROLES = (Role.volunteer, Role.team_leader)


def network_lock(commune_code: str) -> None:
    """Serialise the writes to one commune's network until the transaction ends.

    Why the commune and not the mentor's row: every mentorship joins two people of one commune, so
    a whole tree lies inside it, and one lock orders every rule at once: the ceiling, one active
    mentor, and cycles. Row locks on mentor and mentee would not order all cycles: with A→B and C→D
    in place, B→C and D→A sent together touch four different rows and close A→B→C→D→A. Writes to
    a network are rare (people meeting people), so a commune's writers queue for milliseconds.
    On SQLite every transaction already holds the database's write lock from its start (BEGIN
    IMMEDIATE, see ``fieldapp.database``).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                           {"key": f"ambassador-network:{commune_code}"})


def eligible_field_user(user: User, *, error: str = "ambassador.not_eligible") -> User:
    if user.role not in FIELD_ROLES or not user.is_active or user.unit is None or user.unit.parent_code is None:
        raise AppError(error)
    return user


def ambassador_appoint(*, caller: Caller | None, user_id: int, origin: AmbassadorOrigin | str) -> Ambassador:
    """Mark a volunteer (or leader) as an ambassador, or correct their origin; appointing twice changes nothing."""
    origin = AmbassadorOrigin(origin)
    user = eligible_field_user(field_user_get(caller=caller, user_id=user_id))
    network_lock(user.unit_code)
    ambassador = db.session.get(Ambassador, user.id, populate_existing=True)
    if ambassador is not None:
        if ambassador.origin != origin:
            previous, ambassador.origin = ambassador.origin, origin
            db.session.flush()
            activity_record(action="ambassador.update", object_type="ambassador", object_id=user.id,
                            log_unit=ambassador.commune_code, caller=caller,
                            body={"origin": origin.value, "previous_origin": previous.value})
        return ambassador
    ambassador = Ambassador(user_id=user.id, commune_code=user.unit_code, origin=origin, appointed_at=utcnow(),
                            appointed_by=caller.user_id if caller else None)
    db.session.add(ambassador)
    db.session.flush()
    activity_record(action="ambassador.appoint", object_type="ambassador", object_id=user.id,
                    log_unit=ambassador.commune_code, caller=caller, body={"origin": origin.value})
    return ambassador


def _account_for(*, caller: Caller | None, person: Person, user_id: int | None, phone: str | None,
                 password: str | None, full_name: str | None) -> tuple[User, bool]:
    """The account of a resident promoted to ambassador: linked (an existing volunteer) or created."""
    from fieldapp.services.users import user_create

    if user_id is not None:
        user = eligible_field_user(user_get(caller=caller, user_id=user_id))
        if user.unit_code != person.commune_code:
            raise AppError("mentorship.mentee_outside_area", errors={"user_id": ["another commune"]})
        return user, False
    phone = phone or person.phone
    if not phone or not password:
        raise AppError("promotion.account_required")
    return user_create(phone=phone, full_name=full_name or person.full_name, role=Role.volunteer,
                       unit_code=person.commune_code, password=password, granter=caller), True


def mentorship_promote(*, caller: Caller | None, mentorship: Mentorship, origin: AmbassadorOrigin | str,
                       user_id: int | None = None, phone: str | None = None, password: str | None = None,
                       full_name: str | None = None) -> Ambassador:
    """Make the mentee of a completed mentorship a mentor in turn: the network grows as a tree.

    A resident gets an account (an existing volunteer of the commune is linked, or a new one is
    created) whose ambassador row keeps the resident it was promoted from and who trained them.
    """
    origin = AmbassadorOrigin(origin)
    network_lock(mentorship.commune_code)
    db.session.refresh(mentorship)
    if mentorship.status != MentorshipStatus.completed:
        raise AppError("mentorship.not_completed")
    person = None
    if mentorship.mentee_user_id is not None:
        if user_id is not None or phone is not None or password is not None:
            raise AppError("promotion.mentee_has_account", errors={"user_id": ["the mentee already has an account"]})
        user, created = eligible_field_user(db.session.get(User, mentorship.mentee_user_id)), False
    else:
        person = db.session.get(Person, mentorship.mentee_person_id)
        person_processing_check([person], field="mentee_person_id")
        if db.session.scalar(select(Ambassador.user_id).where(Ambassador.promoted_from_person_id == person.id)):
            raise AppError("ambassador.already_appointed")
        user, created = _account_for(caller=caller, person=person, user_id=user_id, phone=phone, password=password,
                                     full_name=full_name)
    if db.session.get(Ambassador, user.id, populate_existing=True) is not None:
        raise AppError("ambassador.already_appointed")
    if person is not None and not created:
        # The resident and the account become one mentee: they may not have two active mentors.
        active = db.session.scalar(select(func.count()).select_from(Mentorship).where(
            Mentorship.status == MentorshipStatus.active,
            (Mentorship.mentee_user_id == user.id) | (Mentorship.mentee_person_id == person.id)))
        if active > 1:
            raise AppError("mentorship.mentee_has_mentor")
    ambassador = Ambassador(user_id=user.id, commune_code=user.unit_code, origin=origin, appointed_at=utcnow(),
                            appointed_by=caller.user_id if caller else None,
                            promoted_from_person_id=person.id if person else None,
                            trained_by_user_id=mentorship.mentor_user_id)
    db.session.add(ambassador)
    db.session.flush()
    activity_record(action="ambassador.promote", object_type="ambassador", object_id=user.id,
                    log_unit=ambassador.commune_code, caller=caller,
                    body={"mentorship_id": mentorship.public_id, "origin": origin.value,
                          "trained_by_user_id": mentorship.mentor_user_id,
                          "person_id": person.public_id if person else None, "account_created": created})
    return ambassador
