"""mobile_contract/sync.md against the real server and the OpenAPI document.

Two checks, so that a phone client written from mobile_contract/ alone works:

- the worked example of sync.md (an offline day: a full pull, a push whose answer is lost, its retry,
  a conflict and its resolution, an incremental pull) is performed here against the app, and every
  request body and every answer body is validated against the schemas of mobile_contract/openapi.yaml,
  each push item's ``data`` against its kind's schema and each result's ``record`` against the answer
  schema of the kind's single endpoint;
- every ```json block of sync.md preceded by a marker ``<!-- example: METHOD PATH request|response
  [STATUS] (step) -->`` (or ``<!-- example: schema NAME -->``) is valid against the schema it names.

The JSON of sync.md was written by this test: ``FIELDAPP_SYNC_DOC_WRITE=1 pytest
tests/test_sync_contract.py`` puts each step's request and answer in the block whose marker names
the step (ids and times differ from run to run; validation is against the schemas, not equality).
"""
from __future__ import annotations

import copy
import json
import os
import re
import time
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from sqlalchemy import update

from fieldapp.api.sync import KINDS, PUSH_MAX_ITEMS
from fieldapp.auth.permissions import ROLE_VERBS
from fieldapp.clock import utcnow
from fieldapp.errors import CATALOGUE
from fieldapp.extensions import db
from fieldapp.models import LearningSession, Person, Role, User
from fieldapp.qr import signing
from fieldapp.text import fold
from tests.factories import make_session, make_user
from tests.sync_world import settled, sync_world

CONTRACT = Path(__file__).resolve().parent.parent / "mobile_contract"
SYNC_MD = CONTRACT / "sync.md"

#: The answer schema of each kind's single endpoint: what ``record`` of an applied, duplicate or
#: conflict result is.
RECORD_SCHEMAS = {"checkin": "CheckinOut", "visit": "VisitOut", "person.create": "PersonOut",
                  "person.update": "PersonOut", "household.update": "HouseholdOut", "skills.record": "PersonOut",
                  "session.attendee": "AttendeeOut", "mentorship.interaction": "InteractionOut"}

MARKER = re.compile(r"<!-- example: (?:schema (?P<schema>\w+)|(?P<method>GET|POST|PATCH|PUT|DELETE) (?P<path>\S+) "
                    r"(?P<part>request|response)(?: (?P<status>\d{3}))?)(?: \((?P<step>[\w-]+)\))? -->\n+```json\n"
                    r"(?P<body>.*?)\n```", re.S)


# --- the OpenAPI document as JSON Schema -------------------------------------------------------------

def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's ``null`` type (the rest is JSON Schema already)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        elif "enum" in node:
            if None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@cache
def openapi() -> dict:
    # Through JSON: YAML anchors (shared objects) become copies.
    return json.loads(json.dumps(yaml.safe_load((CONTRACT / "openapi.yaml").read_text())))


@cache
def _components() -> dict:
    return _json_schema(openapi()["components"])


def _validator(schema: dict):
    document = {"components": _components(), "allOf": [schema]}
    return jsonschema_rs.Draft202012Validator(document, validate_formats=True)


@cache
def _named(name: str):
    assert name in openapi()["components"]["schemas"], f"no component schema {name}"
    return _validator({"$ref": f"#/components/schemas/{name}"})


def _problems(validator, body) -> list[str]:
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]


def _item_error_validator():
    # An item's error is the error envelope of its single endpoint, without the HTTP status phrase.
    schema = copy.deepcopy(_components()["schemas"]["ErrorOut"])
    schema["properties"].pop("status")
    schema["required"] = [key for key in schema["required"] if key != "status"]
    return _validator(schema)


def _operation(method: str, path: str) -> dict:
    paths = openapi()["paths"]
    assert path in paths, f"{path} is not a path of openapi.yaml"
    assert method.lower() in paths[path], f"{method} {path} is not in openapi.yaml"
    return paths[path][method.lower()]


def _body_schema(content_holder: dict) -> dict | None:
    content = (content_holder or {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def body_problems(method: str, path: str, part: str, body, status: int = 200) -> list[str]:
    """What is wrong with ``body`` as the request body (``part="request"``) or the answer with
    ``status`` of ``method path``; push items and results are checked deeper, by kind."""
    operation = _operation(method, path)
    if part == "request":
        schema = _body_schema(operation.get("requestBody"))
        assert schema is not None, f"{method} {path} takes no JSON body"
    else:
        responses = operation["responses"]
        response = responses.get(str(status), responses.get("default"))
        if response and "$ref" in response:
            response = openapi()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = _body_schema(response)
        if schema is None:  # an error status the document lists without a body: the one error envelope
            assert status >= 400, f"{method} {path} {status} has no schema"
            schema = {"$ref": "#/components/schemas/ErrorOut"}
    problems = _problems(_validator(schema), body)
    if path == "/api/v1/sync/push" and status == 200 and not problems:
        problems += _push_problems(part, body)
    if status >= 400 and isinstance(body, dict) and body.get("error_code") not in CATALOGUE:
        problems.append(f"error_code {body.get('error_code')!r} is not in the catalogue")
    return problems


def _push_problems(part: str, body: dict) -> list[str]:
    problems = []
    if part == "request":
        for index, item in enumerate(body["items"]):
            problems += [f"items[{index}] {p}" for p in _problems(_named("PushItemIn"), item)]
            kind = KINDS.get(item.get("kind"))
            if kind is not None:
                problems += [f"items[{index}].data ({kind.schema.__name__}) {p}"
                             for p in _problems(_named(kind.schema.__name__), item.get("data"))]
        return problems
    errors = _item_error_validator()
    for result in body["results"]:
        where = f"results[{result['index']}]"
        if result["result"] in ("applied", "duplicate", "conflict"):
            name = RECORD_SCHEMAS[result["kind"]]
            problems += [f"{where}.record ({name}) {p}" for p in _problems(_named(name), result["record"])]
        else:
            assert result["record"] is None, where
        if result["result"] in ("conflict", "rejected"):
            problems += [f"{where}.error {p}" for p in _problems(errors, result["error"])]
            if result["error"]["error_code"] not in CATALOGUE:
                problems.append(f"{where}.error: unknown error_code {result['error']['error_code']}")
        else:
            assert result["error"] is None, where
        if result["retry"] and result["error"]["error_code"] != "sync.unknown_reference":
            problems.append(f"{where}: retry without sync.unknown_reference")
    return problems


# --- the doc's examples ------------------------------------------------------------------------------

def _examples() -> list[re.Match]:
    return list(MARKER.finditer(SYNC_MD.read_text()))


def test_every_example_of_sync_md_is_valid_against_its_schema():
    examples = _examples()
    failures = []
    for example in examples:
        label = example.group(0).splitlines()[0]
        try:
            body = json.loads(example["body"])
        except json.JSONDecodeError as error:
            failures.append(f"{label}: not JSON ({error})")
            continue
        if example["schema"]:
            problems = _problems(_named(example["schema"]), body)
        else:
            problems = body_problems(example["method"], example["path"], example["part"], body,
                                     int(example["status"] or 200))
        failures += [f"{label}: {p}" for p in problems]
    assert not failures, "\n".join(failures)
    # The doc keeps its worked example: each step of the day has its marked blocks.
    steps = {example["step"] for example in examples if example["step"]}
    assert set(DAY_STEPS) <= steps, sorted(set(DAY_STEPS) - steps)
    # A marker with no ```json block after it (a typo in the fence) would be silently skipped.
    assert SYNC_MD.read_text().count("<!-- example:") == len(examples)


def test_the_invalid_is_caught():
    """The check can fail: a body missing a required field, a push item whose data breaks its kind's
    schema, and a result whose record is not its kind's answer are each found."""
    assert body_problems("GET", "/api/v1/sync/pull", "response", {"cursor": "x"})
    item = {"client_id": str(uuid.uuid4()), "kind": "visit", "data": {"household_id": "H1", "outcome": "danced"}}
    assert body_problems("POST", "/api/v1/sync/push", "request", {"items": [item]})
    result = {"index": 0, "client_id": item["client_id"], "kind": "person.create", "result": "applied",
              "record": {"id": 3}, "error": None, "retry": False}
    assert body_problems("POST", "/api/v1/sync/push", "response",
                         {"results": [result], "applied": 1, "duplicate": 0, "conflict": 0, "rejected": 0})
    assert body_problems("GET", "/api/v1/sync/pull", "response", {"error_code": "nope"}, 410)


def test_every_kind_is_documented_with_its_schema_and_verb():
    text = SYNC_MD.read_text()
    known_verbs = set().union(*ROLE_VERBS.values())
    for name, kind in KINDS.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
        assert len(rows) == 1, f"sync.md has no (single) table row for the kind {name}"
        assert f"`{kind.schema.__name__}`" in rows[0] and f"`{kind.verb}`" in rows[0], rows[0]
        assert kind.verb in known_verbs
    for code in ("sync.batch_too_large", "request.too_large", "sync.unknown_reference", "sync.withdraw_not_allowed",
                 "sync.cursor_expired", "sync.cursor_invalid", "record.version_conflict", "idempotency.conflict",
                 "sync.unknown_kind"):
        assert f"`{code}`" in text, code
    assert f"{PUSH_MAX_ITEMS}" in text


# --- the worked example, against the server -----------------------------------------------------------

#: The steps of the offline day, in order: each is a marked block (or two) of sync.md.
DAY_STEPS = ("morning-pull", "office-patch", "office-assign", "night-push", "night-retry", "resolve-push",
             "next-pull", "too-many", "cursor-invalid", "cursor-expired")


class Day:
    """Performs requests, checks each body against the document, keeps them for sync.md."""

    def __init__(self, client):
        self.client = client
        self.steps: dict[str, dict] = {}

    def call(self, step, method, path, *, template=None, headers=None, query=None, body=None, status=200,
             shown_headers=(), valid_request=True):
        if body is not None:
            problems = body_problems(method, template or path, "request", body)
            assert not problems if valid_request else problems, (step, problems)
        response = self.client.open(path, method=method, headers=headers or {}, query_string=query, json=body)
        answer = response.get_json()
        assert response.status_code == status, (step, response.status_code, answer)
        problems = body_problems(method, template or path, "response", answer, status)
        assert not problems, (step, problems)
        self.steps[step] = {"request": body, "response": answer, "status": status, "query": query,
                            "headers": {k: v for k, v in (headers or {}).items() if k != "Authorization"},
                            "answer_headers": {k: response.headers[k] for k in shown_headers if k in response.headers}}
        return answer, response


@pytest.mark.real_commits
def test_an_offline_day_as_sync_md_tells_it(client, login, monkeypatch):
    world = sync_world(households=2)
    kept, visited = world.households
    taken = world.new_household(members=1)  # the team leader gives it to someone else during the day
    session = make_session(commune_code=world.commune.code, lat=world.lat, lon=world.lon)
    db.session.get(LearningSession, session.id).team_id = world.team.id
    colleague = make_user(role=Role.volunteer, unit_code=world.commune.code, full_name="Lê Văn Bạn")
    from fieldapp.services.teams import team_member_add

    team_member_add(team=world.team, user=colleague, caller=None)
    officer = make_user(role=Role.commune_officer, unit_code=world.commune.code, full_name="Cán Bộ Xã")
    db.session.commit()
    plate = signing.qr_text("household", visited.public_id)  # also makes sure a QR key exists
    grandmother, grandfather = world.people[visited.public_id]
    names = iter(["Lê Văn Minh", "Lê Thị Lan", "Trần Thị Hoa", "Nguyễn Văn Hùng", "Phạm Văn Tư"])
    for household in world.households:  # names a reader can follow (Core: set up, not an edit, no new version)
        for person in world.people[household.public_id]:
            name = next(names)
            db.session.execute(update(Person).where(Person.id == person.id).values(full_name=name,
                                                                                   name_folded=fold(name)))
    db.session.commit()
    phone = login(world.volunteer)
    day = Day(client)

    # Morning: a full pull (no cursor).
    settled()
    morning, _ = day.call("morning-pull", "GET", "/api/v1/sync/pull", headers=phone)
    assert morning["reset"] is True and morning["more"] is False and morning["skills"]
    assert {h["id"] for h in morning["households"]} == {kept.public_id, visited.public_id, taken.public_id}
    assert [s["id"] for s in morning["sessions"]] == [session.public_id]
    assert {p["id"]: p["version"] for p in morning["persons"]}[grandmother.public_id] == 1

    # During the day, at the commune office: the grandmother's phone number (If-Match: her version 1),
    # and the third household given to a colleague.
    _, patched = day.call("office-patch", "PATCH", f"/api/v1/persons/{grandmother.public_id}",
                          template="/api/v1/persons/{person_id}", headers={**login(officer), "If-Match": '"1"'},
                          body={"phone": "0912000111"}, shown_headers=("ETag",))
    assert patched.headers["ETag"] == '"2"'
    leader = db.session.get(User, world.team.leader_id)
    day.call("office-assign", "POST", "/api/v1/assignments", headers=login(leader),
             body={"volunteer_id": colleague.id, "household_ids": [taken.public_id]}, status=201)

    # Offline, on the phone: a new person (a student: her target groups), a visit helping her (by
    # person_client_id) and the grandfather, a check-in at the class, a correction of the grandfather and
    # one of the grandmother (against the version 1 the phone pulled: the office made it 2).
    now = utcnow()
    scanned = now - timedelta(minutes=5)  # in the class, which started 30 minutes ago
    newcomer = str(uuid.uuid4())
    items = [
        {"client_id": newcomer, "kind": "person.create",
         "data": {"household_id": visited.public_id, "full_name": "Nguyễn Thị Mai", "birth_year": 2004,
                  "sex": "female", "phone": "0987000222", "target_groups": ["pupils_students", "residents"],
                  "consent": {"notice_version": "2025-01", "purpose": "Hỗ trợ kỹ năng số (Bình dân học vụ số)"}}},
        {"client_id": str(uuid.uuid4()), "kind": "visit",
         "data": {"household_id": visited.public_id, "outcome": "supported",
                  "visited_at": (now - timedelta(minutes=45)).isoformat(), "plate": plate,
                  "gps": {"lat": world.lat, "lon": world.lon, "accuracy_m": 9},
                  "people": [{"person_client_id": newcomer, "skills": ["cashless_payment", "online_safety"]},
                             {"person_id": grandfather.public_id, "skills": ["vneid_level2"]}]}},
        {"client_id": str(uuid.uuid4()), "kind": "checkin",
         "data": {"payload": signing.qr_text("session", session.public_id,
                                             step=signing.session_step(scanned.timestamp())),
                  "scanned_at": scanned.isoformat(),
                  "gps": {"lat": world.lat, "lon": world.lon, "accuracy_m": 12}}},
        {"client_id": str(uuid.uuid4()), "kind": "person.update",
         "data": {"person_id": grandfather.public_id, "version": 1, "changes": {"birth_year": 1958}}},
        {"client_id": str(uuid.uuid4()), "kind": "person.update",
         "data": {"person_id": grandmother.public_id, "version": 1, "changes": {"full_name": "Trần Thị Hoà"}}},
    ]
    push = {"items": items}
    # Night: the push is applied, but its answer never reaches the phone…
    lost, _ = day.call("night-push", "POST", "/api/v1/sync/push", headers=phone, body=push)
    assert [r["result"] for r in lost["results"]] == ["applied"] * 4 + ["conflict"]
    assert lost["results"][2]["record"]["evidence_status"] == "counted", lost["results"][2]
    # …so the phone sends the same batch again: the first answers, nothing applied twice.
    retry, _ = day.call("night-retry", "POST", "/api/v1/sync/push", headers=phone, body=push)
    assert [r["result"] for r in retry["results"]] == ["duplicate"] * 4 + ["conflict"]
    assert [r["record"] for r in retry["results"][:4]] == [r["record"] for r in lost["results"][:4]]
    conflict = retry["results"][4]
    assert conflict["error"]["error_code"] == "record.version_conflict"
    assert conflict["record"]["version"] == 2 and conflict["record"]["phone"].endswith("111")  # masked for volunteers
    made = lost["results"][0]["record"]
    assert made["household_id"] == visited.public_id
    # The grandfather's correction was made against version 1 after his visit: skills bump no version.
    assert lost["results"][3]["record"]["version"] == 2

    # The volunteer looks at the current record and corrects it again, against version 2: a new item.
    resolved, _ = day.call("resolve-push", "POST", "/api/v1/sync/push", headers=phone, body={"items": [
        {"client_id": str(uuid.uuid4()), "kind": "person.update",
         "data": {"person_id": grandmother.public_id, "version": 2, "changes": {"full_name": "Trần Thị Hoà"}}}]})
    assert resolved["results"][0]["result"] == "applied" and resolved["results"][0]["record"]["version"] == 3

    # Then an incremental pull from the morning's cursor.
    settled()
    after, _ = day.call("next-pull", "GET", "/api/v1/sync/pull", headers=phone, query={"cursor": morning["cursor"]})
    assert after["reset"] is False and after["skills"] is None and after["more"] is False
    changed = {"households": {visited.public_id},  # its last visit changed (its version did not)
               "persons": {made["id"], grandmother.public_id, grandfather.public_id}}
    gone = [{"kind": "household", "id": taken.public_id}]
    pulls = [after]

    def kept_now(name):  # what the phone holds from the pulls since the morning: the last copy of each
        return {record["id"]: record for pull in pulls for record in pull[name]}

    def complete():
        return (all(ids <= set(kept_now(name)) for name, ids in changed.items())
                and [t for pull in pulls for t in pull["tombstones"]] == gone)

    # PostgreSQL: a change comes once every transaction older than it has finished, in the whole
    # cluster (another test run's too): until then it waits, never lost. Pull again, as a phone would.
    deadline = time.monotonic() + 60
    while not complete() and time.monotonic() < deadline and db.session.get_bind().dialect.name == "postgresql":
        time.sleep(0.5)
        pulls.append(day.call("next-pull-later", "GET", "/api/v1/sync/pull", headers=phone,
                              query={"cursor": pulls[-1]["cursor"]})[0])
    assert complete(), pulls
    if db.session.get_bind().dialect.name == "sqlite":
        assert len(pulls) == 1  # one writer at a time: the first pull has it all
    # A record may also come again unchanged (PostgreSQL: one committed while an older transaction was
    # still open sits above the morning's position); the phone upserts by id.
    for name, ids in changed.items():
        got, before = kept_now(name), {record["id"]: record for record in morning[name]}
        assert all(got[i] == before[i] for i in set(got) - ids), name
    assert kept_now("persons")[grandmother.public_id]["version"] == 3
    for pull in pulls:
        assert pull["reset"] is False and pull["skills"] is None

    # What goes wrong: too many items, a cursor that is not one, a cursor 31 days old.
    filler = [{"client_id": str(uuid.uuid4()), "kind": "person.create",
               "data": {"household_id": kept.public_id, "full_name": f"Người {n}"}} for n in range(PUSH_MAX_ITEMS + 1)]
    too_many, _ = day.call("too-many", "POST", "/api/v1/sync/push", headers=phone, body={"items": filler}, status=413,
                           valid_request=False)  # the schema's maxItems says so too
    assert too_many["error_code"] == "sync.batch_too_large"
    day.steps["too-many"]["request"] = None  # 501 items: the doc describes them
    day.call("cursor-invalid", "GET", "/api/v1/sync/pull", headers=phone, query={"cursor": "bm90LWEtY3Vyc29y"},
             status=422)
    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + 31 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    day.call("cursor-expired", "GET", "/api/v1/sync/pull", headers=phone, query={"cursor": after["cursor"]},
             status=410)
    assert set(DAY_STEPS) <= set(day.steps)

    if os.environ.get("FIELDAPP_SYNC_STEPS"):  # the queries and headers too, to read
        Path(os.environ["FIELDAPP_SYNC_STEPS"]).write_text(json.dumps(day.steps, ensure_ascii=False, indent=2))
    if os.environ.get("FIELDAPP_SYNC_DOC_WRITE") == "1":
        _write_examples(day.steps)


def _write_examples(steps: dict[str, dict]) -> None:
    """Put each step's request and answer in the blocks of sync.md whose markers name the step."""
    def block(match: re.Match) -> str:
        step = match["step"]
        if step is None or step not in steps:
            return match.group(0)
        body = steps[step]["request" if match["part"] == "request" else "response"]
        if body is None:
            return match.group(0)
        head = match.group(0)[: match.start("body") - match.start(0)]
        return head + json.dumps(body, ensure_ascii=False, indent=2) + "\n```"

    SYNC_MD.write_text(MARKER.sub(block, SYNC_MD.read_text()))


@pytest.mark.real_commits
def test_the_other_kinds_as_sync_md_shows_them_are_taken_by_the_server(client, login):
    """The examples of sync.md's kinds that the day does not use, with this world's ids in them, are
    applied by a real push, and their answers are valid."""
    from tests.factories import make_ambassador, make_mentorship

    shown = {example["schema"]: json.loads(example["body"]) for example in _examples() if example["schema"]}
    assert set(shown) == {"SyncSkills", "SyncHouseholdUpdate", "SyncAttendee", "SyncInteraction"}
    world = sync_world(households=1)
    household = world.households[0]
    session = make_session(commune_code=world.commune.code, lat=world.lat, lon=world.lon)
    mentorship = make_mentorship(mentor=make_ambassador(user=world.volunteer),
                                 mentee=world.people[household.public_id][0])
    made = str(uuid.uuid4())
    ids = {"person_client_id": made, "household_id": household.public_id, "session_id": session.public_id,
           "mentorship_id": mentorship.public_id}

    def item(kind, name, **also):
        data = {**shown[name], **{k: v for k, v in ids.items() if k in shown[name]}, **also}
        return {"client_id": str(uuid.uuid4()), "kind": kind, "data": data}

    volunteer_items = [
        {"client_id": made, "kind": "person.create",
         "data": {"household_id": household.public_id, "full_name": "Đỗ Văn Khách", "birth_year": 1999}},
        item("skills.record", "SyncSkills", evidence_ref=session.public_id),
        item("session.attendee", "SyncAttendee"),
        item("mentorship.interaction", "SyncInteraction", occurred_at=utcnow().isoformat(),
             location={"lat": world.lat, "lon": world.lon}),
    ]
    day = Day(client)
    answer, _ = day.call("kinds", "POST", "/api/v1/sync/push", headers=login(world.volunteer),
                         body={"items": volunteer_items})
    assert [r["result"] for r in answer["results"]] == ["applied"] * 4, answer["results"]
    assert [s["skill"] for s in answer["results"][1]["record"]["skills"]] == shown["SyncSkills"]["grant"]


@pytest.mark.real_commits
def test_a_household_update_as_sync_md_shows_it_is_taken_by_the_server(client, login):
    """Also on PostgreSQL: the version lock takes the household's row only (FOR UPDATE OF households),
    as PostgreSQL refuses FOR UPDATE beside the eager outer join of its village."""
    shown = {example["schema"]: json.loads(example["body"]) for example in _examples() if example["schema"]}
    world = sync_world(households=1)
    household = world.households[0]
    leader, version = db.session.get(User, world.team.leader_id), household.version
    data = {**shown["SyncHouseholdUpdate"], "household_id": household.public_id, "version": version}
    answer, _ = Day(client).call("kinds-leader", "POST", "/api/v1/sync/push", headers=login(leader), body={
        "items": [{"client_id": str(uuid.uuid4()), "kind": "household.update", "data": data}]})
    assert answer["results"][0]["result"] == "applied", answer["results"]
    assert answer["results"][0]["record"]["address"] == shown["SyncHouseholdUpdate"]["changes"]["address"]
    assert answer["results"][0]["record"]["version"] == version + 1
