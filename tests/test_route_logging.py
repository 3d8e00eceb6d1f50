"""Every route declares what it does with personal data, and the activity log keeps to it (issue 13, item 4).

The route map is walked, as the permission matrix walks it (the same world of objects, the same list of
routes, which that matrix keeps equal to Flask's route map):

- every route has a declaration (``reads(...)``, ``"write"`` or ``"none"``; fieldapp/auth/declaration.py),
  and a route that is not a GET writes;
- every write route, called successfully, leaves at least one entry in the log, in its own request;
- every personal-data read route, called by an officer, leaves exactly one entry: its ``….view`` (or
  the export's own entry), never two; a volunteer's read leaves none;
- a route declared "none" leaves none.

A new route without a declaration fails the first test; a new write route fails until it has a case
in :data:`WRITES` that succeeds and is logged; a read that stops logging, or a "none" that starts,
fails its case.
"""
import io
import uuid
from datetime import timedelta

import pytest

from fieldapp.auth.declaration import NONE, READ, WRITE, declaration_of, declares, reads
from fieldapp.clock import utcnow
from fieldapp.models.activity import ActivityEntry
from tests.factories import (
    DEFAULT_PASSWORD,
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    make_household,
    make_person,
    make_user,
    next_phone,
)
from tests.route_world import route_path, world  # noqa: F401  (the fixture)
from tests.test_permission_matrix import MATRIX, A

OFFICERS = ("commune_officer", "province_officer", "admin")
#: Reads whose entry is the export they make (for every role allowed), not a ``….view``.
EXPORT_ENTRIES = {"/api/v1/persons/<public_id:person_id>/data-export": "person.data_export",
                  "/api/v1/activity/export": "activity.export",
                  "/console/support-records/export": "support_record.export",
                  "/console/reports/quarterly/download": "quarterly_report.export"}


def _endpoint(app, method: str, rule: str) -> str:
    return next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)


def test_every_route_declares_what_it_does_with_personal_data(app):
    undeclared, misdeclared = [], []
    for rule in app.url_map.iter_rules():
        declared = declaration_of(app, rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if declared is None:
                undeclared.append(f"{method} {rule.rule}")
            elif (method != "GET") != (declared.personal_data == WRITE) \
                    or (declared.personal_data == READ) != bool(declared.logged_as):
                misdeclared.append(f"{method} {rule.rule}: {declared}")
    assert not undeclared, f"routes without a personal_data declaration: {undeclared}"
    assert not misdeclared, f"a GET reads or reads nothing; any other method writes: {misdeclared}"


def test_a_new_route_without_a_declaration_is_found(app):
    """The walk above sees a route that declares nothing (as a new /reviews route would be)."""
    from fieldapp import create_app

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "KEYS_DIR": app.config["KEYS_DIR"]})
    fresh.add_url_rule("/api/v1/reviews", "reviews.review_list", lambda: {"items": []})
    assert declaration_of(fresh, "reviews.review_list") is None
    with pytest.raises(TypeError):  # nor can a verb be declared without saying it
        from fieldapp.auth.access import requires

        requires("review.read")(lambda: None)
    with pytest.raises(TypeError):  # a read says what it is logged as
        declares(personal_data="read")


def test_declarations_reach_the_openapi_document(app):
    spec = app.extensions["fieldapp_api"].spec.to_dict()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api-docs.openapi_json":
            continue
        path = rule.rule.replace("<public_id:", "<").replace("<int(max=2147483647):", "<") \
            .replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path][method.lower()]
            assert operation["x-personal-data"] == declaration_of(app, rule.endpoint).personal_data, (method, path)


def _csv(village_name: str) -> bytes:
    header = ["Mã hộ", "Thôn/xóm", "Địa chỉ", "Vĩ độ", "Kinh độ", "Hộ nghèo", "Dân tộc thiểu số", "Vùng sâu vùng xa",
              "Họ và tên", "Năm sinh", "Giới tính", "Số điện thoại", "Chủ hộ", "Khuyết tật"]
    row = ["H1", village_name, "Nhà số 77", "", "", "", "", "", "Người Nhập Danh Sách", "1980", "Nam", "", "x", ""]
    return ("\r\n".join(",".join(line) for line in (header, row)) + "\r\n").encode("utf-8")


def _kept(w) -> dict:
    """The confirm form of a list the commune officer checked clean (kept through the service)."""
    from fieldapp.auth.callers import Caller
    from fieldapp.extensions import db
    from fieldapp.services.imports.kept import households_check_and_keep

    _report, kept = households_check_and_keep(caller=Caller.of_user(w["users"]["commune_officer"]),
                                              commune_code=HUNG_CHAU, filename="ds.csv",
                                              stream=_csv(w["objects"]["village"].name))
    db.session.commit()  # as the check's own request commits it
    return {"token": kept.token, "sha256": kept.kept.content_sha256}


def _confirmations(w) -> bytes:
    make_person(household=w["objects"]["household"], citizen_id="001090001234")
    return b"identifier,date,course,level\r\n001090001234,15/06/2025,Binh dan hoc vu so,1\r\n"


def _disabled(user):
    from fieldapp.extensions import db
    from fieldapp.services.users import user_disable

    user_disable(user=user, caller=None)
    db.session.commit()


def _completed(mentorship):
    from fieldapp.extensions import db
    from fieldapp.services.mentorships import mentorship_update

    mentorship_update(caller=None, mentorship=mentorship, skills_reached=[s.skill for s in mentorship.skills],
                      status="completed")
    db.session.commit()


def _submitted(w):
    """The world's commune submits its report of this quarter (for the province to approve or return)."""
    from fieldapp.auth.callers import Caller
    from fieldapp.extensions import db
    from fieldapp.models import Unit
    from fieldapp.periods import local_day, report_quarter_of
    from fieldapp.services.reports import report_submit

    report_submit(caller=Caller.of_user(w["users"]["commune_officer"]), commune=db.session.get(Unit, HUNG_CHAU),
                  period=report_quarter_of(local_day(utcnow())))
    db.session.commit()


def _checkin(w):
    from fieldapp.qr import signing

    session = w["objects"]["session"]
    return {"client_id": str(uuid.uuid4()), "scanned_at": utcnow().isoformat(),
            "payload": signing.qr_text("session", session.public_id, step=signing.session_step()),
            "gps": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1], "accuracy_m": 10}}


def _assignment(w):
    household = make_household(village=w["objects"]["village"])
    return {"volunteer_id": w["users"]["volunteer"].id, "team_id": w["objects"]["team"].id,
            "household_ids": [household.public_id]}


def _session_body(_w):
    starts = utcnow() + timedelta(days=1)
    return {"kind": "weekly_class", "title": "Lớp mới", "venue_name": "Nhà văn hoá",
            "venue": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1]},
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}


#: A successful call of every write route: who calls it, with what; ``setup`` prepares the world.
WRITES = {
    ("POST", "/api/v1/auth/token"): lambda w: {
        "role": "anonymous", "json": {"phone": w["users"]["volunteer"].phone, "password": DEFAULT_PASSWORD}},
    ("DELETE", "/api/v1/auth/token"): lambda w: {"role": "volunteer"},
    ("POST", "/api/v1/users"): lambda w: {"json": {
        "phone": next_phone(), "full_name": "Người Mới", "role": "volunteer", "unit_code": HUNG_CHAU,
        "password": DEFAULT_PASSWORD}},
    ("POST", "/api/v1/users/<int(max=2147483647):user_id>/disable"): lambda w: {},
    ("POST", "/api/v1/users/<int(max=2147483647):user_id>/enable"): lambda w: {
        "setup": lambda: _disabled(w["users"]["volunteer"])},
    ("PUT", "/api/v1/units/<code>/population/<int(max=2147483647):year>"): lambda w: {
        "json": w["bodies"]["/api/v1/units/<code>/population/<int(max=2147483647):year>"]},
    ("PUT", "/api/v1/units/<code>/targets/<int(max=2147483647):year>"): lambda w: {
        "json": w["bodies"]["/api/v1/units/<code>/targets/<int(max=2147483647):year>"]},
    ("PUT", "/api/v1/units/<code>/rankings/<level>"): lambda w: {
        "role": "province_officer", "params": {"code": "40"},
        "json": w["bodies"]["/api/v1/units/<code>/rankings/<level>"]},
    ("POST", "/api/v1/units/population/import"): lambda w: {
        "query": {"dry_run": "false"}, "data": {"file": (io.BytesIO(
            f"unit_code,year,measure,value,source\r\n{HUNG_CHAU},{utcnow().year},adults,1200,Báo cáo của xã\r\n"
            .encode()), "dan-so.csv")}},
    ("POST", "/api/v1/communes/<code>/villages"): lambda w: {
        "json": w["bodies"]["/api/v1/communes/<code>/villages"]},
    ("POST", "/api/v1/households"): lambda w: {"json": {"village_id": w["objects"]["village"].id,
                                                         "address": "Nhà số 9"}},
    ("PATCH", "/api/v1/households/<public_id:household_id>"): lambda w: {"json": {"address": "Nhà số 2, sửa lại"}},
    ("POST", "/api/v1/households/<public_id:household_id>/members"): lambda w: {
        "json": w["bodies"]["/api/v1/households/<public_id:household_id>/members"]},
    ("POST", "/api/v1/households/import"): lambda w: {
        "query": {"dry_run": "false"}, "data": {"file": (io.BytesIO(_csv(w["objects"]["village"].name)), "ds.csv")}},
    ("POST", "/api/v1/platform-confirmations/import"): lambda w: {
        "query": {"dry_run": "false"}, "data": {"file": (io.BytesIO(_confirmations(w)), "vneid.csv")}},
    ("POST", "/api/v1/organisations"): lambda w: {"json": {"code": "0101234567", "kind": "enterprise",
                                                           "name": "Công ty Mới", "unit_code": HUNG_CHAU}},
    ("PATCH", "/api/v1/organisations/<int(max=2147483647):organisation_id>"): lambda w: {
        "json": {"name": "Trường Sửa Tên"}},
    ("POST", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members"): lambda w: {
        "json": {"person_id": make_person(household=w["objects"]["household"]).public_id, "role": "worker"}},
    ("DELETE", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members/<public_id:person_id>"):
        lambda w: {},
    ("POST", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members/<public_id:person_id>/skills"):
        lambda w: {"json": {"grant": ["online_safety"], "evidence_kind": "other", "evidence_ref": "sổ học"}},
    ("PATCH", "/api/v1/persons/<public_id:person_id>"): lambda w: {"json": {"has_disability": True}},
    ("POST", "/api/v1/persons/<public_id:person_id>/skills"): lambda w: {
        "json": {"grant": ["online_safety"], "evidence_kind": "other", "evidence_ref": "biên bản 12"}},
    ("POST", "/api/v1/persons/<public_id:person_id>/erase"): lambda w: {},
    ("POST", "/api/v1/teams"): lambda w: {"json": {"name": "Tổ mới", "kind": "community_tech",
                                                   "leader_id": w["users"]["team_leader"].id}},
    ("POST", "/api/v1/teams/<int(max=2147483647):team_id>/members"): lambda w: {"json": {"user_id": make_user().id}},
    ("POST", "/api/v1/assignments"): lambda w: {"role": "team_leader", "json": _assignment(w)},
    ("POST", "/api/v1/sessions"): lambda w: {"json": _session_body(w)},
    ("POST", "/api/v1/sessions/<public_id:session_id>/attendees"): lambda w: {
        "json": w["bodies"]["/api/v1/sessions/<public_id:session_id>/attendees"]},
    ("POST", "/api/v1/checkins"): lambda w: {"role": "volunteer", "json": _checkin(w)},
    ("POST", "/api/v1/visits"): lambda w: {"role": "volunteer", "json": {
        "client_id": str(uuid.uuid4()), "household_id": w["objects"]["household"].public_id,
        "outcome": "nobody_home", "visited_at": utcnow().isoformat()}},
    ("POST", "/api/v1/sync/push"): lambda w: {"role": "volunteer", "json": {"items": [{
        "client_id": str(uuid.uuid4()), "kind": "visit", "data": {
            "household_id": w["objects"]["household"].public_id, "outcome": "nobody_home",
            "visited_at": utcnow().isoformat()}}]}},
    ("PUT", "/api/v1/ambassadors/<int(max=2147483647):user_id>"): lambda w: {"json": {"origin": "school"}},
    ("POST", "/api/v1/mentorships"): lambda w: {"role": "volunteer", "json": {
        "mentee_person_id": make_person(household=w["objects"]["household"]).public_id, "skills": ["online_safety"]}},
    ("PATCH", "/api/v1/mentorships/<public_id:mentorship_id>"): lambda w: {"json": {"add_skills": ["online_safety"]}},
    ("POST", "/api/v1/mentorships/<public_id:mentorship_id>/interactions"): lambda w: {"role": "volunteer", "json": {
        "method": "in_person", "occurred_at": utcnow().isoformat(),
        "location": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1]}, "evidence_ref": "gặp ở nhà văn hoá"}},
    ("POST", "/api/v1/mentorships/<public_id:mentorship_id>/promote"): lambda w: {
        "setup": lambda: _completed(w["objects"]["mentorship"]),
        "json": {"origin": "youth_union", "phone": next_phone(), "password": DEFAULT_PASSWORD}},
    ("POST", "/api/v1/reviews"): lambda w: {"json": {  # the world's visit has no plate and no GPS: held
        "type": "visit", "id": w["objects"]["visit"].public_id, "decision": "accepted", "reason": "đã gọi xác nhận"}},
    ("POST", "/api/v1/reports/quarterly/submit"): lambda w: {"json": w["bodies"]["/api/v1/reports/quarterly/submit"]},
    ("POST", "/api/v1/reports/quarterly/approve"): lambda w: {
        "role": "province_officer", "setup": lambda: _submitted(w),
        "json": w["bodies"]["/api/v1/reports/quarterly/approve"]},
    ("POST", "/api/v1/reports/quarterly/return"): lambda w: {
        "role": "province_officer", "setup": lambda: _submitted(w),
        "json": w["bodies"]["/api/v1/reports/quarterly/return"]},
    ("POST", "/console/login"): lambda w: {"role": "anonymous", "form": {
        "phone": w["users"]["commune_officer"].phone, "password": DEFAULT_PASSWORD}},
    ("POST", "/console/logout"): lambda w: {"form": {}},
    ("POST", "/console/households/assign"): lambda w: {"role": "team_leader", "form": {
        "ids": make_household(village=w["objects"]["village"]).public_id,
        "volunteer": f"{w['users']['volunteer'].id}:{w['objects']['team'].id}"}},
    ("POST", "/console/teams"): lambda w: {"form": {"name": "Tổ mới", "kind": "community_tech",
                                                    "leader_id": str(w["users"]["team_leader"].id)}},
    ("POST", "/console/teams/<int(max=2147483647):team_id>/members"): lambda w: {
        "form": {"user_id": str(make_user().id)}},
    ("POST", "/console/accounts"): lambda w: {"form": {
        "phone": next_phone(), "full_name": "Người Mới", "role": "volunteer", "unit_code": HUNG_CHAU,
        "password": DEFAULT_PASSWORD}},
    ("POST", "/console/accounts/<int(max=2147483647):user_id>/disable"): lambda w: {"form": {}},
    ("POST", "/console/accounts/<int(max=2147483647):user_id>/enable"): lambda w: {
        "setup": lambda: _disabled(w["users"]["volunteer"]), "form": {}},
    ("POST", "/console/import"): lambda w: {"form": {  # a clean check: the list is kept (logged)
        "action": "check", "file": (io.BytesIO(_csv(w["objects"]["village"].name)), "ds.csv")}},
    ("POST", "/console/import/confirm"): lambda w: {"form": _kept(w)},
    ("POST", "/console/reviews"): lambda w: {"form": {
        "type": "visit", "id": w["objects"]["visit"].public_id, "decision": "accepted", "reason": "đã gọi xác nhận"}},
    ("POST", "/console/activity/verify"): lambda w: {"form": {}},
    ("POST", "/console/reports/quarterly/submit"): lambda w: {"form": {}},
    ("POST", "/console/reports/quarterly/approve"): lambda w: {
        "role": "province_officer", "setup": lambda: _submitted(w), "form": {"unit": HUNG_CHAU}},
    ("POST", "/console/reports/quarterly/return"): lambda w: {
        "role": "province_officer", "setup": lambda: _submitted(w),
        "form": {"unit": HUNG_CHAU, "reason": "Thiếu danh sách của xóm 3"}},
}


def _sequenced():
    from fieldapp.audit.sequencer import sequence_all
    from fieldapp.extensions import db

    sequence_all(db.session)
    db.session.commit()


def _display_key(w):
    from fieldapp.display import display_key

    return {"k": display_key(w["objects"]["session"].public_id)}


#: What a GET needs beyond the world to succeed (the permission matrix calls some without it, to be refused).
GETS = {
    "/static/<path:filename>": lambda w: {"role": "anonymous", "params": {"path:filename": "console.css"}},
    "/display/sessions/<session_id>": lambda w: {"role": "anonymous", "query": _display_key(w)},
    "/display/sessions/<session_id>/code.json": lambda w: {"role": "anonymous", "query": _display_key(w)},
    "/console/login": lambda w: {"role": "anonymous"},
    "/console/households/selection": lambda w: {"query": {"ids": w["objects"]["household"].public_id}},
    "/console/households/plates.pdf": lambda w: {"query": {"ids": w["objects"]["household"].public_id}},
    "/console/support-records/export": lambda w: {"query": {"format": "csv"}},
    **{rule: lambda w: {"setup": _sequenced} for rule in (
        "/api/v1/activity", "/api/v1/activity/head", "/api/v1/activity/export", "/api/v1/activity/proofs/inclusion",
        "/api/v1/activity/proofs/consistency")},
}


def _call(app, client, w, method, rule, *, role, json=None, query=None, data=None, form=None, params=None,
          setup=None):
    """One request as ``role`` (a bearer token, or on the console a browser signed in through its form)."""
    import re

    query = query if query is not None else w["query"].get(rule, {})
    path = route_path(rule, {**w["params"], **(params or {})})
    user = w["users"].get(role)
    if rule.startswith("/console/"):
        browser = app.test_client()

        def token():
            page = browser.get("/console/login", follow_redirects=True).get_data(as_text=True)
            return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

        if user:
            browser.post("/console/login", data={"phone": user.phone, "password": DEFAULT_PASSWORD,
                                                 "csrf_token": token()})
        if setup:
            setup()
        kwargs = {"data": {**form, "csrf_token": token()}} if form is not None else {}
        return browser.open(path, method=method, query_string=query, **kwargs)
    headers = {}
    if user:
        token = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
        headers["Authorization"] = f"Bearer {token.get_json()['access_token']}"
    if setup:
        setup()
    kwargs = {"json": json} if json is not None else {"data": data, "content_type": "multipart/form-data"} \
        if data is not None else {}
    return client.open(path, method=method, headers=headers, query_string=query, **kwargs)


def _entries(db, response) -> list[ActivityEntry]:
    return db.session.query(ActivityEntry).filter_by(request_id=response.headers["X-Request-ID"]) \
        .order_by(ActivityEntry.id).all()


@pytest.mark.parametrize("method, rule", sorted(MATRIX))
def test_route_logs_as_it_declares(app, client, db, world, method, rule):
    declared = declaration_of(app, _endpoint(app, method, rule))
    assert declared is not None, f"{method} {rule} declares nothing"
    if declared.personal_data == WRITE:
        assert (method, rule) in WRITES, f"{method} {rule}: add a successful call to WRITES"
        case = {"role": "commune_officer", **WRITES[(method, rule)](world)}
        response = _call(app, client, world, method, rule, **case)
        assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:300])
        if rule.startswith("/console/"):  # a page that refuses a form answers it again (200) with the error
            assert response.status_code == 302, response.status_code
        assert _entries(db, response), f"{method} {rule} changed data and wrote nothing in the activity log"
        return

    row = MATRIX[(method, rule)]
    case = {"role": "commune_officer" if row["commune_officer"] == A else "volunteer",
            **GETS.get(rule, lambda w: {})(world)}
    response = _call(app, client, world, method, rule, **case)
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    entries = _entries(db, response)
    response.close()
    if declared.personal_data == NONE:
        assert not entries, f"{method} {rule} is declared none but logged {[e.action for e in entries]}"
        return
    if case["role"] not in OFFICERS:  # no officer may call it (the worklist): nothing is logged for the others
        assert all(row[role] == 403 for role in OFFICERS)
        assert not entries
        return
    officer = world["users"][case["role"]]
    assert [(e.action, e.actor_id) for e in entries] == [
        (EXPORT_ENTRIES.get(rule, declared.action), officer.id)], f"{method} {rule}: one read entry, no more"
    if row["volunteer"] == A and rule not in EXPORT_ENTRIES:  # a volunteer's read is not logged
        again = _call(app, client, world, method, rule, **{**case, "role": "volunteer"})
        assert again.status_code == 200 and not _entries(db, again)


def _token(client, user):
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _one(db, response) -> tuple[ActivityEntry, dict]:
    import json

    assert response.status_code == 200, response.get_json()
    (entry,) = _entries(db, response)
    return entry, json.loads(entry.body)


def test_a_household_search_logs_what_was_shown_and_never_the_name(client, db, world):
    """GET /households?q=: the households shown, by id; the filters, but not the name searched."""
    household = world["objects"]["household"]
    name = world["objects"]["person"].full_name
    officer = world["users"]["commune_officer"]
    response = client.get("/api/v1/households", headers=_token(client, officer),
                          query_string={"q": name, "village_id": household.village_id, "per_page": 5})
    entry, body = _one(db, response)
    assert (entry.action, entry.object_type, entry.object_id, entry.log_unit, entry.actor_id) == (
        "household_list.view", "household_list", "list", HUNG_CHAU, officer.id)
    assert body == {"count": 1, "total": 1, "page": 1, "ids": [household.public_id],
                    "filters": {"q": True, "village_id": str(household.village_id)}}
    assert name not in entry.body and name.split()[-1] not in entry.body


def test_a_province_officer_reading_a_household_is_in_the_communes_log(client, db, world):
    """One household (address, GPS): logged in the household's commune, where its auditors look; a list
    in the reader's own log, as the lists always were."""
    household = world["objects"]["household"]
    officer = world["users"]["province_officer"]
    headers = _token(client, officer)
    entry, body = _one(db, client.get(f"/api/v1/households/{household.public_id}", headers=headers))
    assert (entry.action, entry.object_id, entry.log_unit, entry.actor_role, body) == (
        "household.view", household.public_id, HUNG_CHAU, "province_officer", {})
    entry, _ = _one(db, client.get("/api/v1/households", headers=headers))
    assert (entry.action, entry.log_unit) == ("household_list.view", "40")
    admin = world["users"]["admin"]
    entry, _ = _one(db, client.get("/api/v1/support-records", headers=_token(client, admin)))
    assert (entry.action, entry.log_unit, entry.actor_role) == ("support_record_list.view", "VN", "admin")


def test_the_list_of_people_supported_is_logged_alike_on_the_api_and_the_console(app, client, db, world):
    volunteer, officer = world["users"]["volunteer"], world["users"]["commune_officer"]
    from fieldapp.qr import signing
    from tests.factories import assign

    # A visit that proves itself (the plate scanned, GPS at the door): its support record is counted.
    household = make_household(village=world["objects"]["village"], lat=HUNG_CHAU_CENTRE[0], lon=HUNG_CHAU_CENTRE[1])
    assign(household, volunteer, world["objects"]["team"])
    person = make_person(household=household)
    visit = client.post("/api/v1/visits", headers=_token(client, volunteer), json={
        "client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": "supported",
        "visited_at": utcnow().isoformat(), "plate": signing.qr_text("household", household.public_id),
        "gps": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1], "accuracy_m": 5},
        "people": [{"person_id": person.public_id, "skills": ["online_safety"]}]})
    assert visit.status_code == 201, visit.get_json()
    _, api = _one(db, client.get("/api/v1/support-records", headers=_token(client, officer),
                                 query_string={"skill": "online_safety"}))
    assert api["count"] == api["total"] >= 1 and len(api["ids"]) == api["count"]
    assert api["filters"] == {"skill": "online_safety"}
    page = _call(app, client, world, "GET", "/console/support-records", role="commune_officer",
                 query={"verified": "1"})
    entry, console = _one(db, page)
    assert (entry.action, entry.actor_id, entry.log_unit) == ("support_record_list.view", officer.id, HUNG_CHAU)
    assert set(console) == {"count", "total", "page", "ids", "filters"} and console["filters"] == {"verified": "1"}
    leader = _call(app, client, world, "GET", "/console/support-records", role="team_leader")
    assert leader.status_code == 200 and not _entries(db, leader)  # a team leader's read is not logged
    # An export keeps its own entry, for every role, and is not logged twice.
    export = client.get("/api/v1/support-records", headers=_token(client, officer), query_string={"format": "csv"})
    assert [e.action for e in _entries(db, export)] == ["support_record.export"]


def test_a_volunteers_worklist_does_no_logging_work(client, db, world, monkeypatch):
    """The worklist is declared a read, and costs volunteers nothing for it: the logger is not reached."""
    from fieldapp.auth import declaration

    def refuse(*args, **kwargs):
        raise AssertionError("read_logged reached for a volunteer")

    monkeypatch.setattr(declaration, "read_logged", refuse)
    response = client.get("/api/v1/me/worklist", headers=_token(client, world["users"]["volunteer"]))
    assert response.status_code == 200 and response.get_json()["items"]
    assert not _entries(db, response)


def test_writes_and_none_get_no_wrapper(app):
    """The check-in (the busiest request) runs exactly the view it ran before it declared "write"."""
    def view():
        return None

    assert declares(personal_data="write")(view) is view and view.personal_data.personal_data == WRITE
    assert declares(personal_data="none")(view) is view
    assert declares(personal_data=reads("thing"))(view) is not view
    read_wrapper = declares(personal_data=reads("thing"))(view).__code__
    checkin = app.view_functions["checkins.checkin_post"]
    assert checkin.personal_data.personal_data == WRITE
    assert all(f.__code__ is not read_wrapper for f in _chain(checkin))
    assert any(f.__code__ is read_wrapper for f in _chain(app.view_functions["households.household_detail"]))


def _chain(view):
    while view is not None:
        yield view
        view = getattr(view, "__wrapped__", None)
