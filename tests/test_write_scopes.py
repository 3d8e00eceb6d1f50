"""A write that names an object checks the caller's scope exactly as a read does (issue 12, item 1).

Every id inside a write body (and every unit code a write names) is looked up through the caller's
reach: another area's id answers exactly like an id that does not exist (same status, error code,
field errors and message, the id itself aside), and writes nothing. So a body can neither link to
another commune's rows nor tell which ids exist nationwide.

The fields are walked from the OpenAPI document: a write whose body (or query) gains an id field
without a case below fails ``test_every_id_field_of_every_write_has_a_case``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
import yaml

from fieldapp.auth.callers import Caller
from fieldapp.cli.contract import generated_files
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models import Role, Unit
from fieldapp.qr import signing
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    OTHER_COMMUNE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_organisation,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
    make_visit,
)
from tests.route_world import this_report_quarter

LAT, LON = HUNG_CHAU_CENTRE
#: Fields that end like ids but name nothing of ours to look up.
NOT_REFERENCES = {
    "client_id": "the phone's own id for its write (idempotency), not a reference",
    "citizen_id": "a citizen's number, kept as a keyed hash; duplicates are tested in test_api_persons",
}
MADE_UP = {"int": 2_000_000_000, "H": "HZZZZZZZZZZ", "P": "PZZZZZZZZZZ", "S": "SZZZZZZZZZZ",
           "V": "VZZZZZZZZZZ", "M": "MZZZZZZZZZZ", "unit": "99999", "uuid": "00000000-0000-4000-8000-000000000000"}


def _reference_fields(schema: dict, components: dict, prefix: str = "") -> set[str]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    found = set()
    for alternative in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        found |= _reference_fields(alternative, components, prefix)
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if (name.endswith(("_id", "_ids", "_code")) or name in ("evidence_ref", "payload", "plate", "person_card")) \
                and name not in NOT_REFERENCES:
            found.add(path)
        found |= _reference_fields(prop, components, f"{path}.")
    if "items" in schema:
        found |= _reference_fields(schema["items"], components, f"{prefix}[].")
    return found


def _walked_fields(app) -> set[tuple[str, str, str]]:
    """(method, path, field) for every reference in every write's body and query."""
    with app.app_context():
        spec = yaml.safe_load(generated_files()["openapi.yaml"])
    components = spec["components"]["schemas"]
    walked = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walked |= {(method.upper(), path, f) for f in _reference_fields(content["schema"], components)}
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] == "query" and (name.endswith(("_id", "_code")) or name == "commune"):
                    walked.add((method.upper(), path, name))
    return walked


@pytest.fixture
def world(login):
    """Hùng Châu (the caller's commune) with what the writes need, and Ba Đình (another province)
    with one of everything a body could name."""
    ours = {}
    ours["officer"] = make_user(role=Role.commune_officer)
    ours["volunteer"] = make_user()
    ours["leader"] = make_user(role=Role.team_leader)
    ours["team"] = make_team(leader=ours["leader"], members=[ours["volunteer"]])
    ours["village"] = make_village()
    ours["household"] = make_household(village=ours["village"], lat=LAT + 0.001, lon=LON)
    assign(ours["household"], ours["volunteer"], ours["team"])
    ours["person"] = make_person(household=ours["household"])
    ours["mentor"] = make_ambassador(user=ours["volunteer"])
    ours["mentorship"] = make_mentorship(mentor=ours["mentor"], mentee=ours["person"])
    ours["completed"] = make_mentorship(mentor=ours["mentor"], status="completed")
    ours["session"] = make_session()
    ours["organisation"] = make_organisation(focal=ours["volunteer"], members=[ours["person"]])

    theirs = {}
    centre = point_of(db.session.get(Unit, OTHER_COMMUNE).centroid)
    theirs["volunteer"] = make_user(unit_code=OTHER_COMMUNE)
    theirs["leader"] = make_user(role=Role.team_leader, unit_code=OTHER_COMMUNE)
    theirs["team"] = make_team(leader=theirs["leader"], members=[theirs["volunteer"]], commune_code=OTHER_COMMUNE)
    theirs["village"] = make_village(commune_code=OTHER_COMMUNE)
    theirs["household"] = make_household(village=theirs["village"])
    assign(theirs["household"], theirs["volunteer"], theirs["team"])
    theirs["person"] = make_person(household=theirs["household"])
    theirs["mentor"] = make_ambassador(user=theirs["volunteer"], commune_code=OTHER_COMMUNE)
    theirs["mentorship"] = make_mentorship(mentor=theirs["mentor"])
    theirs["session"] = make_session(commune_code=OTHER_COMMUNE, lat=centre.lat, lon=centre.lon)
    theirs["visit"] = make_visit(volunteer=theirs["volunteer"], household=theirs["household"])
    theirs["checkin"] = _checkin(theirs["volunteer"], theirs["session"], centre)
    theirs["organisation"] = make_organisation(unit_code=OTHER_COMMUNE, focal=theirs["volunteer"],
                                               members=[theirs["person"]])
    return {"ours": ours, "theirs": theirs, "as": {
        "officer": login(ours["officer"]), "volunteer": login(ours["volunteer"]), "leader": login(ours["leader"])}}


def _checkin(volunteer, session, where) -> str:
    from fieldapp.services.checkins import checkin_create

    client_id = str(uuid.uuid4())
    checkin_create(caller=Caller(user_id=volunteer.id, role=volunteer.role, unit_code=volunteer.unit_code,
                                 province_code=None), client_id=client_id, digest="0" * 64,
                   payload=signing.qr_text("session", session.public_id, step=signing.session_step()),
                   scanned_at=utcnow(), gps={"lat": where.lat, "lon": where.lon, "accuracy_m": 5})
    db.session.commit()
    return client_id


@dataclass(frozen=True)
class Case:
    #: Who writes: "officer", "volunteer" or "leader" of Hùng Châu.
    who: str
    method: str
    #: The path, given the world.
    path: Callable[[dict], str]
    #: A body (or query) that would be accepted, given the world and the value of the field tried.
    body: Callable[[dict, object], dict]
    #: Another area's value, given the world; and a made-up one.
    theirs: Callable[[dict], object]
    made_up: object
    #: Where the value goes: "json" (default) or "query".
    where: str = "json"


def _session_body(w, **extra):
    now = utcnow()
    return {"kind": "weekly_class", "title": "Lớp học", "venue_name": "Nhà văn hoá",
            "venue": {"lat": LAT, "lon": LON}, "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(), **extra}


def _card(kind: str, public_id: str) -> str:
    return signing.qr_text(kind, public_id)


def _visit(w, **extra):
    household = w["ours"]["household"]
    return {"client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": "supported",
            "visited_at": utcnow().isoformat(), "plate": _card("household", household.public_id),
            "gps": {"lat": LAT + 0.001, "lon": LON, "accuracy_m": 5},
            "people": [{"person_id": w["ours"]["person"].public_id, "skills": ["online_safety"]}], **extra}


def _meeting(method: str):
    def body(w, ref):
        return {"method": method, "occurred_at": utcnow().isoformat(), "location": {"lat": LAT, "lon": LON},
                "evidence_ref": ref}
    return body


def _skills(kind: str):
    def body(w, ref):
        return {"grant": ["online_safety"], "evidence_kind": kind, "evidence_ref": ref}
    return body


MENTORSHIP = lambda w: f"/api/v1/mentorships/{w['ours']['mentorship'].public_id}"  # noqa: E731
PERSON = lambda w: f"/api/v1/persons/{w['ours']['person'].public_id}"  # noqa: E731
ORGANISATION = lambda w: f"/api/v1/organisations/{w['ours']['organisation'].id}"  # noqa: E731
MEMBER_SKILLS = lambda w: f"{ORGANISATION(w)}/members/{w['ours']['person'].public_id}/skills"  # noqa: E731


def _organisation(w, **extra):
    return {"code": "ORG-SCOPE-1", "kind": "school", "name": "Trường Tiểu học", "unit_code": HUNG_CHAU, **extra}


#: (method, path, field) → the cases that try it (several when the field means different things).
CASES: dict[tuple[str, str, str], list[Case]] = {
    ("POST", "/api/v1/assignments", "volunteer_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/assignments",
        lambda w, v: {"volunteer_id": v, "household_ids": [w["ours"]["household"].public_id]},
        lambda w: w["theirs"]["volunteer"].id, MADE_UP["int"])],
    ("POST", "/api/v1/assignments", "team_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/assignments",
        lambda w, v: {"volunteer_id": w["ours"]["volunteer"].id, "team_id": v,
                      "household_ids": [w["ours"]["household"].public_id]},
        lambda w: w["theirs"]["team"].id, MADE_UP["int"])],
    ("POST", "/api/v1/assignments", "village_id"): [Case(
        "leader", "POST", lambda w: "/api/v1/assignments",
        lambda w, v: {"volunteer_id": w["ours"]["volunteer"].id, "village_id": v},
        lambda w: w["theirs"]["village"].id, MADE_UP["int"])],
    ("POST", "/api/v1/assignments", "household_ids"): [Case(
        "leader", "POST", lambda w: "/api/v1/assignments",
        lambda w, v: {"volunteer_id": w["ours"]["volunteer"].id, "household_ids": [v]},
        lambda w: w["theirs"]["household"].public_id, MADE_UP["H"])],
    ("POST", "/api/v1/households", "village_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/households", lambda w, v: {"village_id": v, "address": "Nhà 9"},
        lambda w: w["theirs"]["village"].id, MADE_UP["int"])],
    ("PATCH", "/api/v1/persons/{person_id}", "household_id"): [Case(
        "officer", "PATCH", lambda w: f"/api/v1/persons/{w['ours']['person'].public_id}",
        lambda w, v: {"household_id": v}, lambda w: w["theirs"]["household"].public_id, MADE_UP["H"])],
    ("PATCH", "/api/v1/households/{household_id}", "village_id"): [Case(
        "officer", "PATCH", lambda w: f"/api/v1/households/{w['ours']['household'].public_id}",
        lambda w, v: {"village_id": v}, lambda w: w["theirs"]["village"].id, MADE_UP["int"])],
    ("POST", "/api/v1/households/import", "commune"): [Case(
        "officer", "POST", lambda w: "/api/v1/households/import", lambda w, v: {"commune": v, "dry_run": "true"},
        lambda w: OTHER_COMMUNE, MADE_UP["unit"], where="import")],
    ("POST", "/api/v1/mentorships", "mentor_user_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/mentorships",
        lambda w, v: {"mentor_user_id": v, "mentee_person_id": w["ours"]["person"].public_id,
                      "skills": ["online_safety"]},
        lambda w: w["theirs"]["mentor"].user_id, MADE_UP["int"])],
    ("POST", "/api/v1/mentorships", "mentee_person_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/mentorships",
        lambda w, v: {"mentor_user_id": w["ours"]["mentor"].user_id, "mentee_person_id": v,
                      "skills": ["online_safety"]},
        lambda w: w["theirs"]["person"].public_id, MADE_UP["P"])],
    ("POST", "/api/v1/mentorships", "mentee_user_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/mentorships",
        lambda w, v: {"mentor_user_id": w["ours"]["mentor"].user_id, "mentee_user_id": v,
                      "skills": ["online_safety"]},
        lambda w: w["theirs"]["leader"].id, MADE_UP["int"])],
    ("POST", "/api/v1/mentorships/{mentorship_id}/interactions", "evidence_ref"): [
        Case("volunteer", "POST", lambda w: MENTORSHIP(w) + "/interactions", _meeting("visit"),
             lambda w: w["theirs"]["visit"].public_id, MADE_UP["V"]),
        Case("volunteer", "POST", lambda w: MENTORSHIP(w) + "/interactions", _meeting("session"),
             lambda w: w["theirs"]["session"].public_id, MADE_UP["S"]),
        Case("volunteer", "POST", lambda w: MENTORSHIP(w) + "/interactions", _meeting("qr_scan"),
             lambda w: w["theirs"]["checkin"], MADE_UP["uuid"]),
        Case("volunteer", "POST", lambda w: MENTORSHIP(w) + "/interactions", _meeting("qr_scan"),
             lambda w: w["theirs"]["person"].public_id, MADE_UP["P"]),
    ],
    ("POST", "/api/v1/mentorships/{mentorship_id}/promote", "user_id"): [Case(
        "officer", "POST", lambda w: f"/api/v1/mentorships/{w['ours']['completed'].public_id}/promote",
        lambda w, v: {"origin": "youth_union", "user_id": v}, lambda w: w["theirs"]["leader"].id, MADE_UP["int"])],
    ("POST", "/api/v1/persons/{person_id}/skills", "evidence_ref"): [
        Case("officer", "POST", lambda w: PERSON(w) + "/skills", _skills("visit"),
             lambda w: w["theirs"]["visit"].public_id, MADE_UP["V"]),
        Case("officer", "POST", lambda w: PERSON(w) + "/skills", _skills("session"),
             lambda w: w["theirs"]["session"].public_id, MADE_UP["S"]),
        Case("officer", "POST", lambda w: PERSON(w) + "/skills", _skills("mentoring"),
             lambda w: w["theirs"]["mentorship"].public_id, MADE_UP["M"]),
    ],
    ("POST", "/api/v1/organisations", "unit_code"): [Case(
        "officer", "POST", lambda w: "/api/v1/organisations", lambda w, v: _organisation(w, unit_code=v),
        lambda w: OTHER_COMMUNE, MADE_UP["unit"])],
    ("POST", "/api/v1/organisations", "focal_user_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/organisations", lambda w, v: _organisation(w, focal_user_id=v),
        lambda w: w["theirs"]["volunteer"].id, MADE_UP["int"])],
    ("PATCH", "/api/v1/organisations/{organisation_id}", "focal_user_id"): [Case(
        "officer", "PATCH", ORGANISATION, lambda w, v: {"focal_user_id": v},
        lambda w: w["theirs"]["volunteer"].id, MADE_UP["int"])],
    ("POST", "/api/v1/organisations/{organisation_id}/members", "person_id"): [Case(
        "officer", "POST", lambda w: ORGANISATION(w) + "/members", lambda w, v: {"person_id": v, "role": "staff"},
        lambda w: w["theirs"]["person"].public_id, MADE_UP["P"])],
    # The focal person (a volunteer) and an officer name evidence through their own reach, as on /persons.
    ("POST", "/api/v1/organisations/{organisation_id}/members/{person_id}/skills", "evidence_ref"): [
        Case("volunteer", "POST", MEMBER_SKILLS, _skills("visit"), lambda w: w["theirs"]["visit"].public_id,
             MADE_UP["V"]),
        Case("officer", "POST", MEMBER_SKILLS, _skills("session"), lambda w: w["theirs"]["session"].public_id,
             MADE_UP["S"]),
        Case("officer", "POST", MEMBER_SKILLS, _skills("mentoring"),
             lambda w: w["theirs"]["mentorship"].public_id, MADE_UP["M"]),
    ],
    # The quarterly report's lifecycle names a commune: another area's is not found, as a made-up one (before
    # the rule of who submits or decides is even looked at).
    **{("POST", f"/api/v1/reports/quarterly/{step}", "commune_code"): [Case(
        "officer", "POST", lambda w, step=step: f"/api/v1/reports/quarterly/{step}",
        lambda w, v, step=step: {"commune_code": v, "quarter": this_report_quarter(),
                                 **({"reason": "Thiếu số liệu"} if step == "return" else {})},
        lambda w: OTHER_COMMUNE, MADE_UP["unit"])] for step in ("submit", "approve", "return")},
    ("POST", "/api/v1/sessions", "team_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/sessions", lambda w, v: _session_body(w, team_id=v),
        lambda w: w["theirs"]["team"].id, MADE_UP["int"])],
    ("POST", "/api/v1/sessions", "village_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/sessions", lambda w, v: _session_body(w, village_id=v),
        lambda w: w["theirs"]["village"].id, MADE_UP["int"])],
    ("POST", "/api/v1/sessions", "commune_code"): [Case(
        "officer", "POST", lambda w: "/api/v1/sessions", lambda w, v: _session_body(w, commune_code=v),
        lambda w: OTHER_COMMUNE, MADE_UP["unit"])],
    ("POST", "/api/v1/sessions/{session_id}/attendees", "person_id"): [Case(
        "officer", "POST", lambda w: f"/api/v1/sessions/{w['ours']['session'].public_id}/attendees",
        lambda w, v: {"person_id": v}, lambda w: w["theirs"]["person"].public_id, MADE_UP["P"])],
    # The organisation a person is helped on behalf of: looked up as GET /organisations/{id} would be.
    ("POST", "/api/v1/sessions/{session_id}/attendees", "organisation_id"): [Case(
        "officer", "POST", lambda w: f"/api/v1/sessions/{w['ours']['session'].public_id}/attendees",
        lambda w, v: {"person_id": w["ours"]["person"].public_id, "organisation_id": v},
        lambda w: w["theirs"]["organisation"].id, MADE_UP["int"])],
    ("POST", "/api/v1/sessions/{session_id}/attendees", "person_card"): [Case(
        "officer", "POST", lambda w: f"/api/v1/sessions/{w['ours']['session'].public_id}/attendees",
        lambda w, v: {"person_card": _card("person", v)}, lambda w: w["theirs"]["person"].public_id,
        MADE_UP["P"])],
    ("POST", "/api/v1/teams", "leader_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/teams", lambda w, v: {"name": "Tổ mới", "kind": "community_tech",
                                                                    "leader_id": v},
        lambda w: w["theirs"]["leader"].id, MADE_UP["int"])],
    ("POST", "/api/v1/teams", "village_id"): [Case(
        "officer", "POST", lambda w: "/api/v1/teams",
        lambda w, v: {"name": "Tổ mới", "kind": "community_tech", "leader_id": w["ours"]["leader"].id,
                      "village_id": v},
        lambda w: w["theirs"]["village"].id, MADE_UP["int"])],
    ("POST", "/api/v1/teams", "commune_code"): [Case(
        "officer", "POST", lambda w: "/api/v1/teams",
        lambda w, v: {"name": "Tổ mới", "kind": "community_tech", "leader_id": w["ours"]["leader"].id,
                      "commune_code": v},
        lambda w: OTHER_COMMUNE, MADE_UP["unit"])],
    ("POST", "/api/v1/teams/{team_id}/members", "user_id"): [Case(
        "leader", "POST", lambda w: f"/api/v1/teams/{w['ours']['team'].id}/members",
        lambda w, v: {"user_id": v}, lambda w: w["theirs"]["volunteer"].id, MADE_UP["int"])],
    ("POST", "/api/v1/users", "unit_code"): [Case(
        "officer", "POST", lambda w: "/api/v1/users",
        lambda w, v: {"phone": "0912999111", "full_name": "Người Mới", "role": "volunteer", "unit_code": v,
                      "password": "mat-khau-dai-8"},
        lambda w: OTHER_COMMUNE, MADE_UP["unit"])],
    ("POST", "/api/v1/visits", "household_id"): [Case(
        "volunteer", "POST", lambda w: "/api/v1/visits", lambda w, v: _visit(w, household_id=v, people=[]),
        lambda w: w["theirs"]["household"].public_id, MADE_UP["H"])],
    ("POST", "/api/v1/visits", "people.[].person_id"): [Case(
        "volunteer", "POST", lambda w: "/api/v1/visits",
        lambda w, v: _visit(w, people=[{"person_id": v, "skills": ["online_safety"]}]),
        lambda w: w["theirs"]["person"].public_id, MADE_UP["P"])],
    ("POST", "/api/v1/visits", "people.[].organisation_id"): [Case(
        "volunteer", "POST", lambda w: "/api/v1/visits",
        lambda w, v: _visit(w, people=[{"person_id": w["ours"]["person"].public_id, "skills": ["online_safety"],
                                        "organisation_id": v}]),
        lambda w: w["theirs"]["organisation"].id, MADE_UP["int"])],
    ("POST", "/api/v1/visits", "plate"): [Case(
        "volunteer", "POST", lambda w: "/api/v1/visits", lambda w, v: _visit(w, plate=_card("household", v)),
        lambda w: w["theirs"]["household"].public_id, MADE_UP["H"])],
    ("POST", "/api/v1/checkins", "payload"): [
        Case("volunteer", "POST", lambda w: "/api/v1/checkins",
             lambda w, v: {"client_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat(),
                           "payload": signing.qr_text("session", v, step=signing.session_step())},
             lambda w: w["theirs"]["session"].public_id, MADE_UP["S"]),
        Case("volunteer", "POST", lambda w: "/api/v1/checkins",
             lambda w, v: {"client_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat(),
                           "payload": _card("household", v)},
             lambda w: w["theirs"]["household"].public_id, MADE_UP["H"]),
        Case("volunteer", "POST", lambda w: "/api/v1/checkins",
             lambda w, v: {"client_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat(),
                           "payload": _card("person", v)},
             lambda w: w["theirs"]["person"].public_id, MADE_UP["P"]),
    ],
}


def test_every_id_field_of_every_write_has_a_case(app):
    walked = _walked_fields(app)
    assert walked, "the walk found no id field: it is broken"
    missing = sorted(walked - set(CASES))
    assert not missing, f"write fields naming objects without a case here: {missing}"
    stale = sorted(set(CASES) - walked)
    assert not stale, f"cases for fields the document no longer has: {stale}"


def _send(client, world, case: Case, value):
    headers = world["as"][case.who]
    path = case.path(world)
    body = case.body(world, value)
    if case.where == "import":
        import io

        files = {"file": (io.BytesIO("ma_ho,thon,dia_chi,ho_ten\n1,Xóm 1,Nhà 1,Lê An\n".encode()), "ds.csv")}
        return client.post(path, headers=headers, query_string=body, data=files, content_type="multipart/form-data")
    return client.open(path, method=case.method, headers=headers, json=body)


def _answer(response, value) -> tuple:
    """Status and body, with the value tried written as <id> (an error may quote what was sent)."""
    def masked(item):
        if isinstance(item, dict):
            return {key: masked(v) for key, v in item.items()}
        if isinstance(item, list):
            return [masked(v) for v in item]
        if item == value:
            return "<id>"
        if isinstance(item, str) and isinstance(value, str):
            return item.replace(value, "<id>")
        return item

    body = response.get_json()
    # The envelope's own HTTP code is not a value sent: an id that happens to be 404 must not mask it.
    return response.status_code, {key: v if key == "code" else masked(v) for key, v in body.items()} \
        if isinstance(body, dict) else masked(body)


@pytest.mark.parametrize("key, index", [(key, i) for key, cases in CASES.items() for i in range(len(cases))],
                         ids=lambda x: "-".join(x) if isinstance(x, tuple) else str(x))
def test_another_areas_id_answers_exactly_like_a_made_up_one(client, world, key, index):
    case = CASES[key][index]
    theirs = case.theirs(world)
    from_elsewhere = _send(client, world, case, theirs)
    made_up = _send(client, world, case, case.made_up)
    if key[2] == "plate":  # a plate that is not this household's is kept as flagged evidence, not refused
        assert from_elsewhere.status_code == made_up.status_code == 201
        assert from_elsewhere.get_json()["flags"] == made_up.get_json()["flags"] == ["plate_of_another_household"]
        return
    assert _answer(from_elsewhere, theirs) == _answer(made_up, case.made_up), key
    assert from_elsewhere.status_code in (404, 422), (key, from_elsewhere.get_json())


def test_a_session_linked_to_another_communes_team_is_not_stored(client, world):
    """The probe's finding: 201 with the link stored (and 409 for a made-up id)."""
    from fieldapp.models import LearningSession

    response = client.post("/api/v1/sessions", headers=world["as"]["officer"],
                           json=_session_body(world, team_id=world["theirs"]["team"].id))
    assert response.status_code == 404 and response.get_json()["error_code"] == "team.not_found"
    assert db.session.query(LearningSession).filter_by(team_id=world["theirs"]["team"].id,
                                                       commune_code=HUNG_CHAU).count() == 0


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_a_population_sheet_naming_another_areas_unit_answers_like_a_made_up_one(client, world, dry_run):
    """The units of POST /units/population/import are in the file, not in the body's fields the walk reads:
    each row's unit is looked up through the caller's area, and another area's answers as no unit does."""
    import io

    from fieldapp.models import PopulationFigure

    def send(code):
        sheet = f"unit_code,year,measure,value,source\n{code},{utcnow().year},adults,10,Báo cáo\n".encode()
        return client.post("/api/v1/units/population/import", headers=world["as"]["officer"],
                           query_string={"dry_run": dry_run}, data={"file": (io.BytesIO(sheet), "dan-so.csv")},
                           content_type="multipart/form-data")

    from_elsewhere, made_up = send(OTHER_COMMUNE), send(MADE_UP["unit"])
    assert _answer(from_elsewhere, OTHER_COMMUNE) == _answer(made_up, MADE_UP["unit"])
    assert from_elsewhere.status_code == (200 if dry_run == "true" else 422)
    assert db.session.query(PopulationFigure).filter_by(unit_code=OTHER_COMMUNE).count() == 0
