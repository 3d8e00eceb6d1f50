"""Offline sync: push a day of field work, pull what changed (mobile_contract/sync.md).

Push: every item goes through the service of its single endpoint, parsed by that endpoint's schema,
in a savepoint of its own, so that a bad item is turned away alone; the push commits once. Pull:
the changes of the caller's scope in commit order (fieldapp/selectors/sync.py), paged by rows and
bytes, behind an opaque signed cursor.
"""
from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, make_response, request
from flask_smorest import Blueprint
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldapp.api.checkins import CheckinIn, CheckinOut
from fieldapp.api.households import HouseholdOut, HouseholdPatch
from fieldapp.api.mentorships import InteractionIn, InteractionOut
from fieldapp.api.persons import PersonIn, PersonOut, PersonPatch, SkillsIn
from fieldapp.api.qr import QrKeyOut
from fieldapp.api.schemas import Integer, PublicId, UTCDateTime
from fieldapp.api.sessions import AttendeeIn, AttendeeOut, SessionOut
from fieldapp.api.visits import VisitIn, VisitOut, VisitPersonIn
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import reads
from fieldapp.auth.permissions import role_can
from fieldapp.errors import AppError, envelope
from fieldapp.extensions import db
from fieldapp.models.skills import FRAMEWORK_VI, SKILL_CATALOGUE, SkillFramework
from fieldapp.selectors.households import household_get
from fieldapp.selectors.mentorships import mentorship_get
from fieldapp.selectors.persons import person_get
from fieldapp.selectors.sessions import session_get
from fieldapp.selectors.sync import PAGES, PHASES, Window, sync_position
from fieldapp.services.checkins import checkin_create
from fieldapp.services.households import household_update
from fieldapp.services.idempotency import client_request, request_digest
from fieldapp.services.mentorships import interaction_written
from fieldapp.services.persons import person_create, person_update
from fieldapp.services.sessions import attendee_add, attendee_identify
from fieldapp.services.skills import person_skills_record
from fieldapp.services.sync import item_order, person_made_offline, receipt_written_once
from fieldapp.services.visits import visit_create

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Offline sync: push and pull.")

#: At most this many items in one push (the body is held to MAX_CONTENT_LENGTH, 2 MiB, as every request).
PUSH_MAX_ITEMS = 500
#: A pull page holds at most this many rows, and stops adding rows once its JSON passes PULL_PAGE_BYTES.
PULL_DEFAULT_LIMIT, PULL_MAX_LIMIT = 1000, 5000
PULL_PAGE_BYTES = 512 * 1024
_CURSOR_SALT = "fieldapp.sync.cursor.v1"


# --- push ------------------------------------------------------------------------------------------

class PersonRef(Schema):
    """A person named by id, or by the ``client_id`` of the push item that made them offline."""

    person_id = PublicId(load_default=None, metadata={"description": "the person's id, once pulled"})
    person_client_id = fields.UUID(load_default=None, metadata={
        "description": "or: the client_id of the `person.create` item that made them (this push or an earlier one)"})

    @validates_schema
    def _one_reference(self, data, **kwargs):
        if (data.get("person_id") is None) == (data.get("person_client_id") is None):
            raise ValidationError("give exactly one of person_id and person_client_id", field_name="person_id")


class SyncPersonCreate(PersonIn):
    household_id = PublicId(required=True)


class SyncPersonUpdate(PersonRef):
    version = Integer(required=True, validate=validate.Range(min=1),
                      metadata={"description": "the version the phone edited (from its last pull)"})
    changes = fields.Nested(PersonPatch, required=True)


class SyncHouseholdUpdate(Schema):
    household_id = PublicId(required=True)
    version = Integer(required=True, validate=validate.Range(min=1))
    changes = fields.Nested(HouseholdPatch, required=True)


class SyncSkills(PersonRef, SkillsIn):
    pass


class SyncAttendee(AttendeeIn):
    session_id = PublicId(required=True)
    person_client_id = fields.UUID(load_default=None, metadata={
        "description": "or: the client_id of the `person.create` item that made them"})


class SyncInteraction(InteractionIn):
    class Meta:
        exclude = ("client_id",)  # the item's

    mentorship_id = PublicId(required=True)


class SyncCheckin(CheckinIn):
    class Meta:
        exclude = ("client_id",)


class SyncVisitPerson(PersonRef, VisitPersonIn):
    pass


class SyncVisit(VisitIn):
    class Meta:
        exclude = ("client_id",)

    people = fields.List(fields.Nested(SyncVisitPerson), load_default=list, validate=validate.Length(max=30))


@dataclass(frozen=True)
class ItemKind:
    verb: str
    schema: type[Schema]
    apply: Callable[[Caller, str, dict, dict], tuple[dict, bool]]


class ItemConflict(Exception):
    def __init__(self, error: AppError, current: dict):
        super().__init__(error.spec.code)
        self.error, self.current = error, current


def _person_id(caller: Caller, data: dict, field: str = "person_client_id") -> str:
    # Both keys leave ``data`` (the schema loads the one not given as None): what is left is passed
    # on to the service as keyword arguments.
    client_id = data.pop("person_client_id", None)
    person_id = data.pop("person_id", None)
    if client_id is not None:
        return person_made_offline(caller=caller, client_id=str(client_id), field=field)
    return person_id


def _receipt_digest(kind: str, raw: dict) -> str:
    return request_digest({"kind": kind, "data": raw})


def _apply_checkin(caller, client_id, data, raw):
    body = {**data, "client_id": client_id}
    _, digest = client_request(body)
    checkin, created = checkin_create(caller=caller, client_id=client_id, digest=digest, payload=body["payload"],
                                      scanned_at=body["scanned_at"], gps=body["gps"])
    return CheckinOut().dump(checkin), created


def _apply_visit(caller, client_id, data, raw):
    people = []
    for index, person in enumerate(data.get("people", [])):
        entry = {"person_id": _person_id(caller, dict(person), field=f"people.{index}.person_client_id"),
                 "skills": person["skills"]}
        if "organisation_id" in person:  # as VisitPersonIn loads it: absent when not named
            entry["organisation_id"] = person["organisation_id"]
        people.append(entry)
    body = {**data, "people": people, "client_id": client_id}
    _, digest = client_request(body)  # as POST /visits digests it: a visit sent both ways is one visit
    visit, created = visit_create(caller=caller, digest=digest, **body)
    return VisitOut().dump(visit), created


def _apply_interaction(caller, client_id, data, raw):
    mentorship = mentorship_get(caller=caller, public_id=data.pop("mentorship_id"))
    interaction, created = interaction_written(caller=caller, mentorship=mentorship, client_id=client_id, **data)
    return InteractionOut().dump(interaction), created


def _with_receipt(kind: str, make: Callable[[Caller, dict], tuple[Any, str | None, str, dict]]):
    def apply(caller, client_id, data, raw):
        def applied():
            _record, record_id, commune_code, answer = make(caller, data)
            return record_id, commune_code, answer
        return receipt_written_once(caller=caller, client_id=client_id, digest=_receipt_digest(kind, raw), kind=kind,
                                    apply=applied)
    return apply


def _make_person(caller, data):
    household = household_get(caller=caller, public_id=data.pop("household_id"))
    person = person_create(caller=caller, household=household, **data)
    return person, person.public_id, person.commune_code, PersonOut().dump(person)


def _correct_person(caller, data):
    person = person_get(caller=caller, public_id=_person_id(caller, data))
    try:
        person = person_update(caller=caller, person=person, changes=data["changes"], expected_version=data["version"])
    except AppError as error:
        if error.spec.code == "record.version_conflict":
            raise ItemConflict(error, PersonOut().dump(person)) from error
        raise
    return person, person.public_id, person.commune_code, PersonOut().dump(person)


def _correct_household(caller, data):
    household = household_get(caller=caller, public_id=data["household_id"])
    try:
        household = household_update(caller=caller, household=household, changes=data["changes"],
                                     expected_version=data["version"])
    except AppError as error:
        if error.spec.code == "record.version_conflict":
            raise ItemConflict(error, HouseholdOut().dump(household)) from error
        raise
    return household, household.public_id, household.commune_code, HouseholdOut().dump(household)


def _record_skills(caller, data):
    if data.get("withdraw"):
        # Why: skills from the field only grow; revoking one is an officer's decision (POST /persons/{id}/skills).
        raise AppError("sync.withdraw_not_allowed", errors={"withdraw": ["only officers withdraw skills"]})
    person = person_get(caller=caller, public_id=_person_id(caller, data))
    person = person_skills_record(caller=caller, person=person, **data)
    return person, person.public_id, person.commune_code, PersonOut().dump(person)


def _add_attendee(caller, data):
    session = session_get(caller=caller, public_id=data.pop("session_id"))
    if data.get("person_client_id") is not None:
        data["person_id"] = _person_id(caller, data)
    data.pop("person_client_id", None)
    organisation_id = data.pop("organisation_id")
    person, via = attendee_identify(caller=caller, **data)
    attendee = attendee_add(caller=caller, session=session, person=person, via=via, organisation_id=organisation_id)
    return attendee, person.public_id, session.commune_code, AttendeeOut().dump(attendee)


#: The kinds of item a push takes: the verb of its single endpoint, the schema of its ``data``.
KINDS: dict[str, ItemKind] = {
    "checkin": ItemKind("checkin.create", SyncCheckin, _apply_checkin),
    "visit": ItemKind("visit.create", SyncVisit, _apply_visit),
    "person.create": ItemKind("person.create", SyncPersonCreate, _with_receipt("person.create", _make_person)),
    "person.update": ItemKind("person.update", SyncPersonUpdate, _with_receipt("person.update", _correct_person)),
    "household.update": ItemKind("household.update", SyncHouseholdUpdate,
                                 _with_receipt("household.update", _correct_household)),
    "skills.record": ItemKind("skill.record", SyncSkills, _with_receipt("skills.record", _record_skills)),
    "session.attendee": ItemKind("session.attendee_add", SyncAttendee,
                                 _with_receipt("session.attendee", _add_attendee)),
    "mentorship.interaction": ItemKind("mentorship.interaction_record", SyncInteraction, _apply_interaction),
}


#: One instance per kind, reused for every item (building a schema is dearer than loading with it).
_DATA_SCHEMAS = {name: kind.schema() for name, kind in KINDS.items()}


class PushItemIn(Schema):
    client_id = fields.String(required=True, metadata={
        "format": "uuid", "description": "the phone's id for the item, made once; send it again on every retry"})
    kind = fields.String(required=True, metadata={"enum": sorted(KINDS)})
    data = fields.Dict(required=True, metadata={"description": (
        "the item, as its kind's schema says: " + ", ".join(
            f"`{kind}`: `{spec.schema.__name__}`" for kind, spec in sorted(KINDS.items())))})


_ENVELOPE = PushItemIn()


class PushIn(Schema):
    # The items stay raw here: each is checked on its own, so that one bad item is turned away alone.
    # Each item must be an object; one that is not a valid PushItemIn is one rejected result, never a
    # 422 for the batch (its fields are checked item by item).
    items = fields.List(fields.Dict(metadata={"description": "a `PushItemIn`"}), required=True,
                        metadata={"description": f"at most {PUSH_MAX_ITEMS}", "maxItems": PUSH_MAX_ITEMS,
                                  "minItems": 1})


class ItemResultOut(Schema):
    index = fields.Integer(required=True, metadata={"description": "the item's place in `items`, from 0"})
    client_id = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, allow_none=True)
    result = fields.String(required=True, metadata={"enum": ["applied", "duplicate", "conflict", "rejected"]})
    record = fields.Dict(required=True, allow_none=True, metadata={"description": (
        "applied, duplicate: the answer of the item's single endpoint (the first answer, for a duplicate); "
        "conflict: the server's current record")})
    error = fields.Dict(required=True, allow_none=True, metadata={"description": (
        "conflict, rejected: the error envelope (`error_code`, `message`, `errors`) the single endpoint "
        "would have answered")})
    retry = fields.Boolean(required=True, metadata={"description": (
        "rejected only: true when the same item may succeed later unchanged (`sync.unknown_reference`; "
        "`sync.deferred`: the server's time budget for the push ran out before it)")})


class PushOut(Schema):
    results = fields.List(fields.Nested(ItemResultOut), required=True)
    applied = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    conflict = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


def _result(index, item, result, record=None, error=None, retry=False) -> dict:
    return {"index": index, "client_id": item.get("client_id") if isinstance(item, dict) else None,
            "kind": item.get("kind") if isinstance(item, dict) else None, "result": result, "record": record,
            "error": error, "retry": retry}


def _envelope(error: AppError) -> dict:
    body = envelope(error)
    return {key: body[key] for key in ("code", "error_code", "message", "errors") if key in body}


def _push_item(caller: Caller, index: int, item: Any) -> dict:
    try:
        envelope_data = _ENVELOPE.load(item if isinstance(item, dict) else {})
        kind = KINDS.get(envelope_data["kind"])
        if kind is None:
            raise AppError("sync.unknown_kind", errors={"kind": [str(envelope_data["kind"])[:40]]})
        client_id = str(fields.UUID().deserialize(envelope_data["client_id"], "client_id"))
        if not role_can(caller.role, kind.verb):
            raise AppError("auth.forbidden")
        raw = envelope_data["data"]
        data = _DATA_SCHEMAS[envelope_data["kind"]].load(raw)
        with db.session.begin_nested():
            record, applied = kind.apply(caller, client_id, data, raw)
        return _result(index, item, "applied" if applied else "duplicate", record=record)
    except ItemConflict as conflict:
        return _result(index, item, "conflict", record=conflict.current, error=_envelope(conflict.error))
    except ValidationError as error:
        return _result(index, item, "rejected", error=_envelope(AppError("request.invalid", errors=error.messages)))
    except AppError as error:
        return _result(index, item, "rejected", error=_envelope(error),
                       retry=error.spec.code == "sync.unknown_reference")


@blp.route("/push", methods=["POST"])
@requires("sync.push", personal_data="write")
@blp.arguments(PushIn)
@blp.response(200, PushOut)
@blp.alt_response(413, description=f"`sync.batch_too_large` (more than {PUSH_MAX_ITEMS} items) or "
                                    "`request.too_large` (a body over 2 MiB): nothing applied.")
def sync_push(body):
    """Push a batch of offline work: one result per item, in the order sent; a bad item never sinks the rest."""
    items = body["items"]
    if len(items) > PUSH_MAX_ITEMS:
        raise AppError("sync.batch_too_large", limit=PUSH_MAX_ITEMS)
    if not items:
        raise AppError("request.invalid", errors={"items": ["at least one item"]})
    caller = current_caller()
    kinds = [item.get("kind") if isinstance(item, dict) else None for item in items]
    results: list[dict | None] = [None] * len(items)
    # Why a budget: a busy server must answer before the 60 s request timeout of gunicorn and nginx,
    # or the phone gets nothing at all and sends the whole batch again, to the same fate. Items not
    # reached in time are answered "send again" (retry); at least one is always applied.
    deadline = time.monotonic() + current_app.config["SYNC_PUSH_TIME_BUDGET_SECONDS"]
    for position, index in enumerate(item_order(kinds)):
        if position and time.monotonic() > deadline:
            results[index] = _result(index, items[index], "rejected", error=_envelope(AppError("sync.deferred")),
                                     retry=True)
            continue
        results[index] = _push_item(caller, index, items[index])
    db.session.commit()
    counts = {name: sum(1 for r in results if r["result"] == name)
              for name in ("applied", "duplicate", "conflict", "rejected")}
    return {"results": results, **counts}


# --- pull ------------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CURSOR_SALT)


def _retention_days() -> int:
    return int(current_app.config["SYNC_CURSOR_RETENTION_DAYS"])


def _cursor_read(cursor: str | None, caller: Caller) -> dict:
    if not cursor:
        return {"p": 0, "t": None, "ph": 0, "a": 0}
    try:
        state = _serializer().loads(cursor, max_age=_retention_days() * 86400)
    except SignatureExpired as error:
        raise AppError("sync.cursor_expired", days=_retention_days()) from error
    except BadSignature as error:
        raise AppError("sync.cursor_invalid", errors={"cursor": ["not a cursor of this server"]}) from error
    if not isinstance(state, dict) or state.get("u") != caller.user_id:
        raise AppError("sync.cursor_invalid", errors={"cursor": ["not this account's cursor"]})
    return state


def _cursor_write(caller: Caller, state: dict) -> str:
    return _serializer().dumps({**state, "u": caller.user_id})


class PullQuery(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=2000), metadata={
        "description": "the `cursor` of the last answer; none for a full pull"})
    limit = Integer(load_default=PULL_DEFAULT_LIMIT, validate=validate.Range(min=1, max=PULL_MAX_LIMIT),
                    metadata={"description": "rows at most in this page (a page also stops near 512 KiB)"})


class TombstoneOut(Schema):
    kind = fields.String(required=True, metadata={"enum": ["household", "person"]})
    id = fields.String(required=True)


class ReviewResultOut(Schema):
    id = Integer(required=True)
    target_type = fields.String(required=True, metadata={"enum": ["checkin", "visit"]})
    target_ref = fields.String(required=True, metadata={"description": "the check-in's id, or the visit's id"})
    decision = fields.String(attribute="decision.value", required=True, metadata={"enum": ["accepted", "rejected"]})
    reason = fields.String(required=True)
    reviewed_at = UTCDateTime(required=True)


class SkillCatalogueOut(Schema):
    skill = fields.String(required=True)
    label_vi = fields.String(required=True)
    framework = fields.String(required=True, metadata={
        "enum": [f.value for f in SkillFramework],
        "description": "the document the skill comes from (mobile_contract/exports.md, Skills)"})
    framework_vi = fields.String(required=True)


class PullOut(Schema):
    cursor = fields.String(required=True, metadata={"description": "send it with the next pull"})
    more = fields.Boolean(required=True, metadata={"description": "true: pull again now with `cursor`"})
    reset = fields.Boolean(required=True, metadata={"description": (
        "true on the first page of a full pull: forget every household, person and session kept before")})
    households = fields.List(fields.Nested(HouseholdOut), required=True)
    persons = fields.List(fields.Nested(PersonOut), required=True)
    sessions = fields.List(fields.Nested(SessionOut), required=True)
    qr_keys = fields.List(fields.Nested(QrKeyOut), required=True)
    reviews = fields.List(fields.Nested(ReviewResultOut), required=True)
    tombstones = fields.List(fields.Nested(TombstoneOut), required=True, metadata={"description": (
        "what left the scope: forget it (a household takes its people with it)")})
    skills = fields.List(fields.Nested(SkillCatalogueOut), required=True, allow_none=True, metadata={
        "description": "the skills catalogue: on a full pull, else null"})


_DUMPERS = {"households": HouseholdOut(), "persons": PersonOut(), "sessions": SessionOut(),
            "reviews": ReviewResultOut()}


def _dump(phase: str, record) -> dict:
    if phase == "qr_keys":
        return {"key_id": record.key_id, "algorithm": "ed25519", "public_key": record.public_key,
                "retired": record.retired_at is not None}
    return _DUMPERS[phase].dump(record)


def _pull_page(caller: Caller, state: dict, limit: int) -> dict:
    """One page: the phases in order from where the cursor stopped, until ``limit`` rows or about
    PULL_PAGE_BYTES of JSON; the next cursor says where this page stopped."""
    since, upto = int(state["p"]), state.get("t")
    starting = upto is None  # a new pull (not the next page of one)
    if starting:
        upto = sync_position()
    window = Window(since=since, upto=int(upto))
    answer: dict[str, Any] = {name: [] for name in PHASES}
    answer["tombstones"] = []
    answer["skills"] = ([{"skill": s.value, "label_vi": label, "framework": framework.value,
                          "framework_vi": FRAMEWORK_VI[framework]} for s, (label, framework) in SKILL_CATALOGUE.items()]
                        if window.full and starting else None)
    rows_left, size = limit, 0
    phase_index, after = int(state.get("ph", 0)), int(state.get("a", 0))
    while phase_index < len(PHASES) and rows_left > 0 and size < PULL_PAGE_BYTES:
        phase = PHASES[phase_index]
        page = PAGES[phase](caller=caller, window=window, after=after, limit=rows_left)
        taken = 0
        for _id, record in page.records:
            if size >= PULL_PAGE_BYTES:
                break
            dumped = _dump(phase, record)
            answer[phase].append(dumped)
            size += len(json.dumps(dumped, default=str, ensure_ascii=False))
            taken += 1
        rows_left -= taken
        if taken < len(page.records) or page.more:
            # Stopped inside the phase: the next page goes on after the last row given.
            boundary = page.records[taken - 1][0] if taken < len(page.records) else page.last_id
            answer["tombstones"] += [{"kind": phase[:-1], "id": public_id} for row_id, public_id in page.tombstones
                                     if row_id is not None and row_id <= boundary]
            after = boundary
            break
        answer["tombstones"] += [{"kind": phase[:-1], "id": public_id} for _row_id, public_id in page.tombstones]
        phase_index, after = phase_index + 1, 0
    if phase_index >= len(PHASES):
        next_state, more = {"p": window.upto, "t": None, "ph": 0, "a": 0}, False
    else:
        next_state, more = {"p": window.since, "t": window.upto, "ph": phase_index, "a": after}, True
    answer.update(cursor=_cursor_write(caller, next_state), more=more, reset=window.full and starting)
    return answer


def _compressed(payload: dict):
    # The records are dumped already, each by its own schema (PullOut documents the whole).
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    response = make_response(body, 200)
    response.headers["Content-Type"] = "application/json"
    response.headers["Vary"] = "Accept-Encoding"
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


@blp.route("/pull", methods=["GET"])
@requires("sync.pull", personal_data=reads("sync_pull"))
@blp.arguments(PullQuery, location="query")
@blp.response(200, PullOut)
@blp.alt_response(410, description="`sync.cursor_expired`: pull again without a cursor (a full pull).")
def sync_pull(args):
    """What changed in the caller's scope since the cursor; gzip when asked (`Accept-Encoding: gzip`)."""
    caller = current_caller()
    state = _cursor_read(args["cursor"], caller)
    started = time.perf_counter()
    answer = _pull_page(caller, state, args["limit"])
    response = _compressed(answer)
    response.headers["Server-Timing"] = f"pull;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def components_register(spec) -> None:
    """Put the push item envelope and each kind's ``data`` schema in the OpenAPI document, under
    their class names (a phone client is generated from them; mobile_contract/sync.md)."""
    spec.components.schema("PushItemIn", schema=PushItemIn)
    for kind in KINDS.values():
        name = kind.schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=kind.schema)
