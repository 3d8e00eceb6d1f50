"""Door-to-door visits: judged as check-ins are (fieldapp.services.judgement), and the people helped at
the door written to the list of people supported (fieldapp.services.support_records)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, point_element, point_of
from fieldapp.ids import new_public_id
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus, EvidenceType
from fieldapp.models.households import Household
from fieldapp.models.visits import Visit, VisitOutcome
from fieldapp.qr import signing
from fieldapp.selectors.households import household_get
from fieldapp.services.activity import activity_record
from fieldapp.services.evidence import judged, status_of_skill_from
from fieldapp.services.households import household_mark_visited
from fieldapp.services.idempotency import written_once
from fieldapp.services.judgement import Judgement, judge_place, judge_time
from fieldapp.services.persons import person_processing_check
from fieldapp.services.skills import skills_record
from fieldapp.services.support_records import support_organisation_check, support_records_add


def _plate_proof(judgement: Judgement, plate: str | None, household: Household) -> str:
    """A scan of the household's own plate proves presence; a wrong or forged one is flagged."""
    if not plate:
        judgement.flags.append("no_plate_scan")
        return "none"
    try:
        scanned = signing.verify(plate)
    except signing.Rejected as rejection:
        judgement.flags.append(f"plate_{rejection.reason}")
        return "none"
    if scanned.kind != "household" or scanned.public_id != household.public_id:
        judgement.flags.append("plate_of_another_household")
        return "none"
    return "qr_plate"


def visit_create(*, caller: Caller, client_id: str, digest: str, household_id: str, outcome: VisitOutcome | str,
                 visited_at: datetime, plate: str | None = None, gps: dict | None = None,
                 people: list[dict] | None = None, note: str | None = None) -> tuple[Visit, bool]:
    """Record a visit, once per ``client_id`` (a retry gets the first visit, and ``False``: see
    :func:`fieldapp.services.idempotency.written_once`); people helped get support records and,
    unless the visit was refused as evidence, their skills recorded with the visit as evidence. A
    person entry's ``organisation_id`` names the organisation they were helped on behalf of
    (:func:`fieldapp.services.support_records.support_organisation_check`), kept on their records."""
    return written_once(Visit, client_id=client_id, owner=caller.user_id, digest=digest, owner_attr="volunteer_id",
                        write=lambda: _visit_write(caller=caller, client_id=client_id, digest=digest,
                                                   household_id=household_id, outcome=outcome,
                                                   visited_at=visited_at, plate=plate, gps=gps, people=people,
                                                   note=note))


def _visit_write(*, caller: Caller, client_id: str, digest: str, household_id: str, outcome: VisitOutcome | str,
                 visited_at: datetime, plate: str | None, gps: dict | None, people: list[dict] | None,
                 note: str | None) -> Visit:
    outcome = VisitOutcome(outcome)
    people = people or []
    if outcome == VisitOutcome.supported and not any(p.get("skills") for p in people):
        raise AppError("visit.people_required")
    household = household_get(caller=caller, public_id=household_id)
    members = {m.public_id: m for m in household.members}
    unknown = [p["person_id"] for p in people if p["person_id"] not in members]
    if unknown:
        raise AppError("visit.person_not_in_household", errors={"people": unknown})
    person_processing_check([members[p["person_id"]] for p in people], field="people")
    # Each person named on behalf of an organisation is checked before anything is written.
    organisations = [support_organisation_check(
        caller=caller, person=members[entry["person_id"]], organisation_id=entry.get("organisation_id"),
        errors={"people": [entry["person_id"]]}) for entry in people]
    judgement = Judgement()
    judge_time(judgement, visited_at, utcnow())
    proof = _plate_proof(judgement, plate, household)
    judge_place(judgement, gps, point_of(household.location), current_app.config["CHECKIN_HOUSEHOLD_RADIUS_M"])
    if proof == "none" and gps is not None:
        proof = "gps"
    visit = Visit(public_id=new_public_id("V"), client_id=client_id, request_hash=digest, volunteer_id=caller.user_id,
                  household=household, commune_code=household.commune_code, outcome=outcome,
                  visited_at=visited_at, location=point_element(LatLon(gps["lat"], gps["lon"])) if gps else None,
                  verdict=judgement.verdict, flags=judgement.recorded_flags, note=note)
    visit.evidence_status = judged(EvidenceType.visit, visit.verdict, visit.flags)
    db.session.add(visit)
    db.session.flush()
    supported = 0
    rejected = visit.evidence_status == EvidenceStatus.rejected
    if outcome == VisitOutcome.supported and not rejected:
        for entry, organisation in zip(people, organisations, strict=True):
            if not entry.get("skills"):
                continue
            person = members[entry["person_id"]]
            supported += len(support_records_add(
                caller=caller, helper_id=caller.user_id, person=person, skills=entry["skills"],
                source_kind=EvidenceKind.visit, source_id=visit.public_id, supported_at=visited_at, proof=proof,
                flags=visit.flags, evidence_status=visit.evidence_status, organisation=organisation))
            skills_record(caller=caller, person=person, grant=entry["skills"], evidence_kind=EvidenceKind.visit,
                          evidence_ref=visit.public_id, status=status_of_skill_from(visit.evidence_status))
    # A visit that does not count (rejected: dated in the future; or held back for review) is kept
    # for auditors and changes nothing yet: the household is marked visited once the visit counts.
    if visit.evidence_status == EvidenceStatus.counted:
        household_mark_visited(household, visited_at)
    db.session.flush()
    body = {"household_id": household.public_id, "outcome": outcome.value, "proof": proof,
            "verdict": visit.verdict.value, "evidence_status": visit.evidence_status.value,
            "flags": visit.flags, "support_records": supported}
    named = sorted({organisation.id for organisation in organisations if organisation is not None})
    if named:
        body["organisation_ids"] = named
    activity_record(action="visit.create", object_type="visit", object_id=visit.public_id,
                    log_unit=household.commune_code, caller=caller, client_id=client_id, body=body)
    return visit
