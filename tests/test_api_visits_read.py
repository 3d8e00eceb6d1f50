"""Reading visits back: each role its own reach, GPS for officers only (and their reads logged)."""
import json
import uuid
from datetime import timedelta

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role
from fieldapp.models.activity import NATIONAL_LOG
from fieldapp.qr import signing
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_person,
    make_team,
    make_user,
    make_village,
)

LAT, LON = HUNG_CHAU_CENTRE
#: Where the phones were: distinct values, to check each visit's own point comes back.
GPS_A = {"lat": 19.12431, "lon": 105.56317, "accuracy_m": 6}
GPS_B = {"lat": 19.11873, "lon": 105.55902, "accuracy_m": 12}
GPS_LEADER = {"lat": 19.12444, "lon": 105.56288, "accuracy_m": 4}
GPS_HA_NOI = {"lat": 21.03412, "lon": 105.82291, "accuracy_m": 9}
OFFICERS = ["commune_officer", "province_officer", "admin"]


def _post_visit(client, headers, household, *, hours_ago: float, gps=None, outcome="nobody_home", people=None):
    body = {"client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": outcome,
            "visited_at": (utcnow() - timedelta(hours=hours_ago)).isoformat(),
            "plate": signing.qr_text("household", household.public_id), "gps": gps, "people": people or []}
    response = client.post("/api/v1/visits", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def field(client, login):
    """Hùng Châu: two teams in two villages, each with a volunteer at an assigned household; the
    first team's leader visits too. Ba Đình (Hà Nội): a volunteer with one visit. Users of every role."""
    village_a, village_b = make_village(), make_village()
    v1, v2 = make_user(full_name="Lê Văn Một"), make_user(full_name="Trần Thị Hai")
    leader_a, leader_b = make_user(role=Role.team_leader), make_user(role=Role.team_leader)
    team_a = make_team(leader=leader_a, members=[v1], village=village_a)
    team_b = make_team(leader=leader_b, members=[v2], village=village_b)
    h1 = make_household(village=village_a, lat=LAT + 0.002, lon=LON)
    h2 = make_household(village=village_b, lat=LAT - 0.004, lon=LON - 0.004)
    assign(h1, v1, team_a)
    assign(h2, v2, team_b)
    grandmother = make_person(household=h1, full_name="Nguyễn Thị Bà", birth_year=1950)

    village_x = make_village(commune_code=OTHER_COMMUNE)
    vx = make_user(unit_code=OTHER_COMMUNE)
    team_x = make_team(commune_code=OTHER_COMMUNE, members=[vx], village=village_x)
    hx = make_household(village=village_x)
    assign(hx, vx, team_x)

    users = {"v1": v1, "v2": v2, "leader_a": leader_a, "leader_b": leader_b,
             "commune_officer": make_user(role=Role.commune_officer),
             "province_officer": make_user(role=Role.province_officer, unit_code=NGHE_AN),
             "admin": make_user(role=Role.admin, unit_code=None),
             "other_officer": make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE)}
    headers = {name: login(user) for name, user in users.items()}
    # Oldest first; the list answers newest first.
    visits = {
        "v1_supported": _post_visit(client, login(v1), h1, hours_ago=30, gps=GPS_A, outcome="supported",
                                    people=[{"person_id": grandmother.public_id, "skills": ["online_safety"]}]),
        "v2_nobody": _post_visit(client, login(v2), h2, hours_ago=20, gps=GPS_B),
        "v1_no_gps": _post_visit(client, login(v1), h1, hours_ago=10, gps=None, outcome="come_back_later"),
        "leader_a": _post_visit(client, login(leader_a), h1, hours_ago=5, gps=GPS_LEADER, outcome="refused"),
        "ha_noi": _post_visit(client, login(vx), hx, hours_ago=1, gps=GPS_HA_NOI),
    }
    return {"users": users, "headers": headers, "visits": visits, "h1": h1, "h2": h2, "hx": hx,
            "village_a": village_a, "village_b": village_b}


def _list(client, headers, **query):
    response = client.get("/api/v1/visits", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(field, page) -> list[str]:
    names = {visit_id: name for name, visit_id in field["visits"].items()}
    return [names[item["id"]] for item in page["items"]]


HUNG_CHAU_NEWEST_FIRST = ["leader_a", "v1_no_gps", "v2_nobody", "v1_supported"]


@pytest.mark.parametrize("role, expected", [
    ("v1", ["v1_no_gps", "v1_supported"]),
    ("v2", ["v2_nobody"]),
    ("leader_a", ["leader_a", "v1_no_gps", "v1_supported"]),
    ("leader_b", ["v2_nobody"]),
    ("commune_officer", HUNG_CHAU_NEWEST_FIRST),
    ("province_officer", HUNG_CHAU_NEWEST_FIRST),
    ("admin", ["ha_noi"] + HUNG_CHAU_NEWEST_FIRST),
    ("other_officer", ["ha_noi"]),
])
def test_each_role_lists_the_visits_in_its_reach_newest_first(client, field, role, expected):
    page = _list(client, field["headers"][role])
    assert _ids(field, page) == expected
    assert page["total"] == len(expected) and page["page"] == 1 and page["pages"] == 1


def test_a_visit_is_listed_with_who_where_and_when(client, field):
    item = _list(client, field["headers"]["commune_officer"])["items"][-1]
    assert item["id"] == field["visits"]["v1_supported"]
    assert item["household_id"] == field["h1"].public_id and item["village_id"] == field["village_a"].id
    assert item["volunteer_id"] == field["users"]["v1"].id and item["commune_code"] == HUNG_CHAU
    assert item["outcome"] == "supported" and item["flags"] == ["late_sync"] and item["note"] is None
    assert item["location"] == {"lat": GPS_A["lat"], "lon": GPS_A["lon"]}


@pytest.mark.parametrize("role", OFFICERS)
def test_officers_see_where_each_visit_was_recorded(client, field, role):
    headers = field["headers"][role]
    locations = {item["id"]: item["location"] for item in _list(client, headers)["items"]}
    visits = field["visits"]
    assert locations[visits["v1_supported"]] == {"lat": GPS_A["lat"], "lon": GPS_A["lon"]}
    assert locations[visits["v2_nobody"]] == {"lat": GPS_B["lat"], "lon": GPS_B["lon"]}
    assert locations[visits["leader_a"]] == {"lat": GPS_LEADER["lat"], "lon": GPS_LEADER["lon"]}
    assert locations[visits["v1_no_gps"]] is None  # none was sent
    detail = client.get(f"/api/v1/visits/{visits['v2_nobody']}", headers=headers)
    assert detail.status_code == 200 and detail.get_json()["location"] == {"lat": GPS_B["lat"], "lon": GPS_B["lon"]}


@pytest.mark.parametrize("role", ["v1", "leader_a"])
def test_volunteers_and_leaders_never_get_gps_not_even_of_their_own_visits(client, field, role):
    headers = field["headers"][role]
    page = _list(client, headers)
    assert page["items"] and all("location" in item and item["location"] is None for item in page["items"])
    own = field["visits"][role if role == "leader_a" else "v1_supported"]
    detail = client.get(f"/api/v1/visits/{own}", headers=headers).get_json()
    assert detail["id"] == own and detail["location"] is None
    text = json.dumps(page) + json.dumps(detail)
    assert str(GPS_A["lat"]) not in text and str(GPS_LEADER["lon"]) not in text


def test_the_answer_to_posting_a_visit_is_unchanged_and_carries_no_gps(client, field, login):
    body = {"client_id": str(uuid.uuid4()), "household_id": field["h1"].public_id, "outcome": "nobody_home",
            "visited_at": utcnow().isoformat(), "gps": GPS_A}
    answer = client.post("/api/v1/visits", headers=login(field["users"]["v1"]), json=body).get_json()
    assert set(answer) == {"id", "client_id", "household_id", "outcome", "visited_at", "verdict", "flags",
                           "evidence_status"}
    assert answer["client_id"] == body["client_id"] and answer["household_id"] == field["h1"].public_id


@pytest.mark.parametrize("query, expected", [
    ({"household_id": "h2"}, ["v2_nobody"]),
    ({"household_id": "h1"}, ["leader_a", "v1_no_gps", "v1_supported"]),
    ({"household_id": "HNOTHERE000"}, []),
    ({"volunteer_id": "v1"}, ["v1_no_gps", "v1_supported"]),
    ({"volunteer_id": "leader_a"}, ["leader_a"]),
    ({"outcome": "supported"}, ["v1_supported"]),
    ({"outcome": "nobody_home"}, ["v2_nobody"]),
    ({"village_id": "village_b"}, ["v2_nobody"]),
    ({"village_id": "village_a", "outcome": "refused"}, ["leader_a"]),
    ({"since": 12}, ["leader_a", "v1_no_gps"]),
    ({"until": 12}, ["v2_nobody", "v1_supported"]),
    ({"since": 25, "until": 7}, ["v1_no_gps", "v2_nobody"]),
    ({"since": 7, "until": 25}, []),
])
def test_filters(client, field, query, expected):
    objects = {"h1": field["h1"].public_id, "h2": field["h2"].public_id, "v1": field["users"]["v1"].id,
               "leader_a": field["users"]["leader_a"].id, "village_a": field["village_a"].id,
               "village_b": field["village_b"].id}
    now = utcnow()
    params = {}
    for name, value in query.items():
        if name in ("since", "until"):
            params[name] = (now - timedelta(hours=value)).isoformat()
        else:
            params[name] = objects.get(value, value)
    page = _list(client, field["headers"]["commune_officer"], **params)
    assert _ids(field, page) == expected and page["total"] == len(expected)


def test_filters_never_reach_outside_the_area(client, field):
    officer = field["headers"]["commune_officer"]
    assert _list(client, officer, household_id=field["hx"].public_id)["total"] == 0
    assert _list(client, officer, volunteer_id=field["users"]["v2"].id)["total"] == 1
    # A volunteer naming someone else's household or person gets nothing, not their visits.
    volunteer = field["headers"]["v1"]
    assert _list(client, volunteer, household_id=field["h2"].public_id)["total"] == 0
    assert _list(client, volunteer, volunteer_id=field["users"]["v2"].id)["total"] == 0


def test_pages(client, field):
    officer = field["headers"]["commune_officer"]
    first = _list(client, officer, per_page=3)
    second = _list(client, officer, per_page=3, page=2)
    beyond = _list(client, officer, per_page=3, page=5)
    assert (first["total"], first["pages"], first["per_page"]) == (4, 2, 3)
    assert _ids(field, first) == HUNG_CHAU_NEWEST_FIRST[:3] and _ids(field, second) == HUNG_CHAU_NEWEST_FIRST[3:]
    assert beyond["items"] == [] and beyond["total"] == 4 and beyond["page"] == 5
    largest = _list(client, officer, page=2**31 - 1, per_page=200)
    assert largest["items"] == [] and largest["total"] == 4


@pytest.mark.parametrize("role, visit", [
    ("other_officer", "v1_supported"),
    ("v2", "v1_supported"),
    ("v1", "v2_nobody"),
    ("v1", "leader_a"),
    ("leader_b", "v1_no_gps"),
    ("leader_a", "v2_nobody"),
    ("commune_officer", "ha_noi"),
    ("province_officer", "ha_noi"),
])
def test_a_visit_outside_the_callers_reach_is_not_found(client, field, role, visit):
    response = client.get(f"/api/v1/visits/{field['visits'][visit]}", headers=field["headers"][role])
    assert response.status_code == 404 and response.get_json()["error_code"] == "visit.not_found"


@pytest.mark.parametrize("visit_id, error_code", [
    ("VNOTHERE000", "visit.not_found"),
    ("V" * 300, "http.not_found"),  # cannot be a public id: no route has such a path
    ("%E1%BA%A1", "http.not_found"),
])
def test_unknown_or_odd_visit_ids_are_404(client, field, visit_id, error_code):
    response = client.get(f"/api/v1/visits/{visit_id}", headers=field["headers"]["commune_officer"])
    assert response.status_code == 404 and response.get_json()["error_code"] == error_code


def test_a_nul_in_the_path_finds_nothing(client, field):
    response = client.get("/api/v1/visits/V%00", headers=field["headers"]["commune_officer"])
    assert response.status_code == 404 and response.get_json()["error_code"] == "http.not_found"


def test_each_officer_read_with_gps_is_logged_once_per_request(client, field):
    officer = field["users"]["commune_officer"]
    headers = field["headers"]["commune_officer"]
    _list(client, headers, village_id=field["village_a"].id)
    visit_id = field["visits"]["v2_nobody"]
    client.get(f"/api/v1/visits/{visit_id}", headers=headers)
    entries = (db.session.query(ActivityEntry).filter(ActivityEntry.actor_id == officer.id,
                                                      ActivityEntry.action.in_(["visit_list.view", "visit.view"]))
               .order_by(ActivityEntry.id).all())
    assert [(e.action, e.object_type, e.object_id, e.log_unit) for e in entries] == [
        ("visit_list.view", "visit_list", "list", HUNG_CHAU), ("visit.view", "visit", visit_id, HUNG_CHAU)]
    listed, viewed = (json.loads(e.body) for e in entries)
    assert listed == {"count": 3, "with_location": 2, "page": 1,  # one entry for three rows
                      "visits": [field["visits"]["leader_a"], field["visits"]["v1_supported"]],  # whose GPS
                      "filters": {"village_id": str(field["village_a"].id)}}
    assert viewed == {"with_location": True}
    assert all(str(GPS_B["lat"]) not in e.body for e in entries)  # the log holds ids, never the points


def test_province_officers_and_admins_reads_are_logged_in_their_own_log(client, field):
    for role, log, count in (("province_officer", NGHE_AN, 4), ("admin", NATIONAL_LOG, 5)):
        _list(client, field["headers"][role])
        entry = db.session.query(ActivityEntry).filter_by(actor_id=field["users"][role].id,
                                                          action="visit_list.view").one()
        assert (entry.actor_role, entry.log_unit, json.loads(entry.body)["count"]) == (role, log, count)


@pytest.mark.parametrize("role", ["v1", "leader_a"])
def test_field_reads_without_gps_are_not_logged_as_personal_data_reads(client, field, role):
    _list(client, field["headers"][role])
    client.get(f"/api/v1/visits/{field['visits']['v1_supported']}", headers=field["headers"][role])
    assert db.session.query(ActivityEntry).filter(
        ActivityEntry.actor_id == field["users"][role].id, ActivityEntry.action.like("visit%.view")).count() == 0


@pytest.mark.parametrize("query", [
    {"since": "yesterday"},
    {"until": "2026-13-01T00:00:00+07:00"},
    {"since": "2026-01-01T00:00:00"},  # no offset: ambiguous
    {"since": "0001-01-01T00:00:00+07:00"},  # before year 1 in UTC
    {"until": "9999-12-31T23:59:59-07:00"},  # after year 9999 in UTC
    {"page": 0},
    {"page": 2**31},
    {"page": "ten"},
    {"per_page": 201},
    {"per_page": 0},
    {"volunteer_id": 2**40},
    {"volunteer_id": -1},
    {"village_id": "abc"},
    {"village_id": 2**31},
    {"outcome": "maybe"},
    {"household_id": "H" * 17},
    {"household_id": "H\x00"},
    {"household_id": "hộ"},
])
def test_bad_query_parameters_are_422_never_500(client, field, query):
    response = client.get("/api/v1/visits", headers=field["headers"]["commune_officer"], query_string=query)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error_code"] == "request.invalid" and set(body["errors"]) == set(query)


def test_reading_visits_needs_a_token(client):
    assert client.get("/api/v1/visits").status_code == 401
    assert client.get("/api/v1/visits/VNOTHERE000").status_code == 401
