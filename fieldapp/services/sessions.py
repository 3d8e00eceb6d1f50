"""Learning sessions and the residents recorded at them."""
from __future__ import annotations

from datetime import datetime

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, check_in_commune, point_element, point_of
from fieldapp.ids import new_public_id
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.persons import Person
from fieldapp.models.sessions import LearningSession, SessionAttendee, SessionKind
from fieldapp.models.skills import Skill
from fieldapp.models.units import Unit
from fieldapp.selectors.teams import team_get
from fieldapp.selectors.villages import village_get
from fieldapp.services.activity import activity_record
from fieldapp.services.persons import person_processing_check
from fieldapp.services.support_records import support_organisation_check, support_records_add
from fieldapp.text import nfc


def session_create(*, caller: Caller, kind: SessionKind | str, title: str, venue_name: str, venue: dict,
                   starts_at: datetime, ends_at: datetime, radius_m: int = 100, topics: list[Skill] = (),
                   team_id: int | None = None, village_id: int | None = None,
                   commune_code: str | None = None) -> LearningSession:
    commune = commune_in_scope(caller, commune_code or caller.unit_code)
    # Every id in the body is looked up through the caller's reach, as a read would be: another area's
    # team or village is not found, exactly like one that does not exist.
    if team_id is not None:
        team_get(caller=caller, team_id=team_id, commune_code=commune.code)
    if village_id is not None:
        village_get(caller=caller, village_id=village_id, commune_code=commune.code)
    if ends_at <= starts_at:
        raise AppError("session.window_invalid", errors={"ends_at": ["after starts_at"]})
    point = LatLon(venue["lat"], venue["lon"])
    check_in_commune(point, centroid=point_of(db.session.get(Unit, commune.code).centroid),
                     area_km2=commune.area_km2, field="venue")
    session = LearningSession(
        public_id=new_public_id("S"), commune_code=commune.code, village_id=village_id, team_id=team_id,
        kind=SessionKind(kind), title=nfc(title), venue_name=nfc(venue_name), venue=point_element(point),
        radius_m=radius_m, starts_at=starts_at, ends_at=ends_at, topics=[Skill(t).value for t in topics],
        created_by=caller.user_id)
    db.session.add(session)
    db.session.flush()
    activity_record(action="session.create", object_type="session", object_id=session.public_id,
                    log_unit=commune.code, caller=caller,
                    body={"kind": session.kind.value, "topics": session.topics, "team_id": team_id})
    return session


def attendee_identify(*, caller: Caller, person_card: str | None, person_id: str | None) -> tuple[Person, str]:
    """The resident being recorded: by their scanned person card ("card") or picked by name ("name")."""
    from fieldapp.qr import signing
    from fieldapp.selectors.persons import person_get

    if bool(person_card) == bool(person_id):
        raise AppError("attendee.person_required", errors={"person_card": ["person_card or person_id"]})
    if not person_card:
        return person_get(caller=caller, public_id=person_id), "name"
    try:
        scanned = signing.verify(person_card)
    except signing.Rejected as rejection:
        raise AppError("qr.rejected", reason=rejection.reason, errors={"person_card": [rejection.reason]}) \
            from rejection
    if scanned.kind != "person":
        raise AppError("qr.kind_mismatch", errors={"person_card": ["not a person card"]})
    return person_get(caller=caller, public_id=scanned.public_id), "card"


def attendee_add(*, caller: Caller, session: LearningSession, person: Person, via: str,
                 organisation_id: int | None = None) -> SessionAttendee:
    """Record a resident at a session; each topic becomes a support record for them, on behalf of the
    organisation ``organisation_id`` names when one does (checked as a visit's are:
    :func:`fieldapp.services.support_records.support_organisation_check`). A resident already
    recorded is the first record again, whatever this one names."""
    existing = db.session.get(SessionAttendee, (session.id, person.id))
    if existing is not None:
        return existing
    person_processing_check([person])
    organisation = support_organisation_check(caller=caller, person=person, organisation_id=organisation_id)
    attendee = SessionAttendee(session_id=session.id, commune_code=session.commune_code, person_id=person.id,
                               recorded_by=caller.user_id, via=via,
                               organisation_id=organisation.id if organisation else None)
    db.session.add(attendee)
    support_records_add(caller=caller, helper_id=caller.user_id, person=person,
                        skills=[Skill(t) for t in session.topics], source_kind=EvidenceKind.session,
                        source_id=session.public_id, supported_at=session.starts_at,
                        proof="qr_card" if via == "card" else "none", flags=[], organisation=organisation)
    db.session.flush()
    body = {"person_id": person.public_id, "via": via}
    if organisation is not None:
        body["organisation_id"] = organisation.id
    activity_record(action="session.attendee_add", object_type="session", object_id=session.public_id,
                    log_unit=session.commune_code, caller=caller, body=body)
    return attendee
