"""The review queue: evidence held back in the caller's area, oldest first, and the decisions on it.

Three kinds wait for an officer: check-ins and visits held back by a flag (``evidence_status =
held``), and skills claimed on nothing the system can check (``status = claimed``) other than those a
held-back visit recorded, which are decided with that visit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, Text, cast, literal, select, union_all

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import (
    EvidenceKind,
    EvidenceReview,
    EvidenceStatus,
    EvidenceType,
    SkillStatus,
    Verdict,
    checkin_type,
    configured_hold_back,
    holding_flags,
)
from fieldapp.models.households import Household
from fieldapp.models.persons import Person
from fieldapp.models.skills import PersonSkill
from fieldapp.models.visits import Visit

#: What can be reviewed, as the API names it.
TARGET_TYPES = ("checkin", "visit", "skill")
#: pending: waits for a decision; decided: has at least one; all: both.
STATES = ("pending", "decided", "all")


def skill_ref(person_public_id: str, skill) -> str:
    return f"{person_public_id}:{getattr(skill, 'value', skill)}"


def _decided(target_type: str, ref_column):
    return select(EvidenceReview.id).where(EvidenceReview.target_type == target_type,
                                           EvidenceReview.target_ref == ref_column).exists()


def review_queue_query(*, caller: Caller, target_type: str | None = None, flag: str | None = None,
                       village_id: int | None = None, volunteer_id: int | None = None,
                       since: datetime | None = None, until: datetime | None = None,
                       state: str = "pending") -> Select:
    """Rows (target_type, target_ref, recorded_at) of the queue, oldest first."""
    parts = []
    held_visit_refs = select(Visit.public_id).where(Visit.evidence_status == EvidenceStatus.held)
    if target_type in (None, "checkin"):
        query = (select(literal("checkin").label("target_type"), CheckIn.client_id.label("target_ref"),
                        CheckIn.scanned_at.label("recorded_at"))
                 .where(communes_clause(caller, CheckIn.commune_code), CheckIn.verdict == Verdict.accepted_with_flags))
        query = _state(query, state, CheckIn.evidence_status == EvidenceStatus.held,
                       _decided("checkin", CheckIn.client_id))
        if flag:
            query = query.where(cast(CheckIn.flags, Text).contains(f'"{flag}"'))
        if village_id:
            query = query.where(CheckIn.household_id.in_(
                select(Household.id).where(Household.village_id == village_id)))
        if volunteer_id:
            query = query.where(CheckIn.user_id == volunteer_id)
        parts.append(_period(query, CheckIn.scanned_at, since, until))
    if target_type in (None, "visit"):
        query = (select(literal("visit").label("target_type"), Visit.public_id.label("target_ref"),
                        Visit.visited_at.label("recorded_at"))
                 .where(communes_clause(caller, Visit.commune_code), Visit.verdict == Verdict.accepted_with_flags))
        query = _state(query, state, Visit.evidence_status == EvidenceStatus.held, _decided("visit", Visit.public_id))
        if flag:
            query = query.where(cast(Visit.flags, Text).contains(f'"{flag}"'))
        if village_id:
            query = query.where(Visit.household_id.in_(select(Household.id).where(Household.village_id == village_id)))
        if volunteer_id:
            query = query.where(Visit.volunteer_id == volunteer_id)
        parts.append(_period(query, Visit.visited_at, since, until))
    if target_type in (None, "skill") and not flag:
        ref = Person.public_id + literal(":") + cast(PersonSkill.skill, Text)
        query = (select(literal("skill").label("target_type"), ref.label("target_ref"),
                        PersonSkill.recorded_at.label("recorded_at"))
                 .join(Person, Person.id == PersonSkill.person_id)
                 .where(communes_clause(caller, Person.commune_code),
                        ~((PersonSkill.evidence_kind == EvidenceKind.visit)
                          & PersonSkill.evidence_ref.in_(held_visit_refs))))
        pending = PersonSkill.status == SkillStatus.claimed
        if state == "pending":
            query = query.where(pending)
        else:
            # Decided skills may have been rejected since (and gone from the record): the decisions
            # list them through their reviews; here, those still held, claimed or confirmed on review.
            decided = _decided("skill", ref)
            query = query.where(decided if state == "decided" else (pending | decided))
        if village_id:
            query = query.where(Person.village_id == village_id)
        if volunteer_id:
            query = query.where(PersonSkill.recorded_by == volunteer_id)
        parts.append(_period(query, PersonSkill.recorded_at, since, until))
    union = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(union.c.target_type, union.c.target_ref, union.c.recorded_at).order_by(
        union.c.recorded_at, union.c.target_type, union.c.target_ref)


def _state(query, state: str, pending, decided):
    if state == "pending":
        return query.where(pending)
    if state == "decided":
        return query.where(decided)
    return query.where(pending | decided)


def _period(query, column, since, until):
    if since:
        query = query.where(column >= since)
    if until:
        query = query.where(column < until)
    return query


def reviews_of(*, target_type: str, target_refs: list[str]) -> dict[str, list[EvidenceReview]]:
    """The decisions on each of these, oldest first (the last is the one in force)."""
    found: dict[str, list[EvidenceReview]] = {ref: [] for ref in target_refs}
    if target_refs:
        for review in db.session.scalars(select(EvidenceReview).where(
                EvidenceReview.target_type == target_type, EvidenceReview.target_ref.in_(target_refs))
                .order_by(EvidenceReview.id)):
            found[review.target_ref].append(review)
    return found


def latest_review(*, target_type: str, target_ref: str) -> EvidenceReview | None:
    return db.session.scalar(select(EvidenceReview).where(
        EvidenceReview.target_type == target_type, EvidenceReview.target_ref == target_ref)
        .order_by(EvidenceReview.id.desc()).limit(1))


def review_target_check(target_type: str) -> None:
    if target_type not in TARGET_TYPES:
        raise AppError("review.not_reviewable")



def _point(geometry) -> dict | None:
    from fieldapp.geo import point_of

    point = point_of(geometry)
    return None if point is None else {"lat": point.lat, "lon": point.lon}


def review_items(rows) -> list[dict]:
    """What an officer needs to decide on each row of a queue page: the evidence, its flags (and
    which of them hold it back), where it was recorded, and the decisions so far. A few queries a
    page, not one a row. Each also has ``scan``: what the scan or visit carried (its times, the key that
    signed the scanned code, GPS accuracy, the mock flag, the radius it was judged against), which the
    console shows and the API's schema leaves out."""
    from flask import current_app

    from fieldapp.models.sessions import LearningSession
    from fieldapp.models.tallies import visit_proof

    table = configured_hold_back()
    # Beside the evidence, what the scan itself carried (the console shows it; the API's schema does not).
    household_radius = current_app.config["CHECKIN_HOUSEHOLD_RADIUS_M"]

    refs = {kind: [r.target_ref for r in rows if r.target_type == kind] for kind in TARGET_TYPES}
    decisions = {kind: reviews_of(target_type=kind, target_refs=refs[kind]) for kind in TARGET_TYPES}
    items: dict[tuple[str, str], dict] = {}
    if refs["checkin"]:
        checkins = db.session.scalars(select(CheckIn).where(CheckIn.client_id.in_(refs["checkin"]))).all()
        session_rows = db.session.execute(select(LearningSession.id, LearningSession.public_id,
                                                 LearningSession.radius_m).where(
            LearningSession.id.in_({c.session_id for c in checkins if c.session_id}))).all()
        sessions = {row.id: row.public_id for row in session_rows}
        radii = {row.id: row.radius_m for row in session_rows}
        households = dict(db.session.execute(select(Household.id, Household.public_id).where(
            Household.id.in_({c.household_id for c in checkins if c.household_id}))).all())
        people = dict(db.session.execute(select(Person.id, Person.public_id).where(
            Person.id.in_({c.person_id for c in checkins if c.person_id}))).all())
        for c in checkins:
            target = sessions.get(c.session_id) or households.get(c.household_id) or people.get(c.person_id)
            items[("checkin", c.client_id)] = {
                "commune_code": c.commune_code, "recorded_by": c.user_id, "verdict": c.verdict.value,
                "flags": list(c.flags), "status": c.evidence_status.value, "location": _point(c.location),
                "target": {"kind": c.target_kind, "id": target, "distance_m": c.distance_m},
                "scan": {"scanned_at": c.scanned_at, "received_at": c.received_at, "key_id": c.key_id,
                         "accuracy_m": c.accuracy_m, "mock_location": bool(c.mock_location),
                         "radius_m": radii.get(c.session_id) if c.session_id
                         else household_radius if c.target_kind == "household" else None}}
    if refs["visit"]:
        for v in db.session.scalars(select(Visit).where(Visit.public_id.in_(refs["visit"]))):
            items[("visit", v.public_id)] = {
                "commune_code": v.commune_code, "recorded_by": v.volunteer_id, "verdict": v.verdict.value,
                "flags": list(v.flags), "status": v.evidence_status.value, "location": _point(v.location),
                "target": {"kind": "household", "id": v.household.public_id, "outcome": v.outcome.value},
                "scan": {"scanned_at": v.visited_at, "received_at": v.received_at, "proof": visit_proof(v.flags),
                         "mock_location": "mock_location" in v.flags, "radius_m": household_radius}}
    for ref in refs["skill"]:
        public_id, _, skill = ref.partition(":")
        person = db.session.scalar(select(Person).where(Person.public_id == public_id))
        held = next((s for s in person.skills if s.skill.value == skill), None) if person else None
        items[("skill", ref)] = {
            "commune_code": person.commune_code if person else None,
            "recorded_by": held.recorded_by if held else None, "verdict": None, "flags": [],
            "status": held.status.value if held else "withdrawn", "location": None, "scan": None,
            "target": {"kind": "person", "id": public_id, "skill": skill,
                       "evidence_kind": held.evidence_kind.value if held else None,
                       "evidence_ref": held.evidence_ref if held else None}}
    out = []
    for row in rows:
        item = items.get((row.target_type, row.target_ref))
        if item is None:
            continue
        kind = {"checkin": checkin_type(item["target"]["kind"]), "visit": EvidenceType.visit}.get(
            row.target_type, EvidenceType.skill)
        out.append({"type": row.target_type, "id": row.target_ref, "recorded_at": row.recorded_at, **item,
                    "holding_flags": holding_flags(kind, item["flags"], table),
                    "decisions": decisions[row.target_type].get(row.target_ref, [])})
    return out
