"""Sessions: planning, scope, and the projector page with its rotating code."""
import re
import uuid

import pytest

from fieldapp.clock import utcnow
from fieldapp.models import Role
from fieldapp.qr import signing
from tests.factories import HUNG_CHAU_CENTRE, OTHER_COMMUNE, make_session, make_user

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def leader(login):
    return login(make_user(role=Role.team_leader))


def _plan(client, headers, **overrides):
    body = {"kind": "elderly_class", "title": "Lớp cho người cao tuổi: dịch vụ công trực tuyến",
            "venue_name": "Nhà văn hoá xóm Đông Sơn", "venue": {"lat": LAT, "lon": LON}, "radius_m": 80,
            "starts_at": "2026-12-01T08:00:00+07:00", "ends_at": "2026-12-01T10:00:00+07:00",
            "topics": ["online_public_services", "online_safety"]}
    body.update(overrides)
    return client.post("/api/v1/sessions", headers=headers, json=body)


def test_leader_plans_a_session_and_it_lists(client, leader):
    response = _plan(client, leader)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"].startswith("S") and body["checkins"] == 0 and body["starts_at"].startswith("2026-12-01T01:00")
    assert body["display_url"].startswith(f"/display/sessions/{body['id']}?k=")
    listed = [s["id"] for s in client.get("/api/v1/sessions", headers=leader).get_json()["items"]]
    assert listed[0] == body["id"]  # newest first (sessions committed by concurrency tests may follow)


@pytest.mark.parametrize("overrides, code", [
    ({"ends_at": "2026-12-01T07:00:00+07:00"}, "session.window_invalid"),
    ({"venue": {"lat": 21.03, "lon": 105.85}}, "location.outside_commune"),
    ({"kind": "party"}, "request.invalid"),
    ({"topics": ["juggling"]}, "request.invalid"),
    ({"starts_at": "2026-12-01T08:00:00"}, "request.invalid"),  # no offset
])
def test_bad_sessions_are_422(client, leader, overrides, code):
    response = _plan(client, leader, **overrides)
    assert response.status_code == 422 and response.get_json()["error_code"] == code


def test_sessions_of_another_commune_are_not_found(client, leader):
    foreign = make_session(commune_code=OTHER_COMMUNE, lat=21.0341, lon=105.8412)
    assert client.get(f"/api/v1/sessions/{foreign.public_id}", headers=leader).status_code == 404
    assert client.get(f"/api/v1/sessions/{foreign.public_id}/qr", headers=leader).status_code == 404


def test_display_page_shows_the_code_and_a_live_count(client, login):
    session = make_session()
    volunteer = login(make_user())
    planned = client.get(f"/api/v1/sessions/{session.public_id}", headers=volunteer).get_json()
    page = client.get(planned["display_url"])
    assert page.status_code == 200 and "text/html" in page.content_type
    html = page.get_data(as_text=True)
    assert session.title in html and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    script = re.search(r'<script src="([^"]+)" defer></script>', html).group(1)
    assert "setTimeout(refresh" in client.get(script).get_data(as_text=True)  # it polls, never reloads
    code_url = re.search(r'<main data-code-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    before = client.get(code_url).get_json()
    assert before["checkins"] == 0 and "<svg" in before["svg"] and 0 < before["refresh_in"] <= 30
    assert signing.verify(before["payload"]).public_id == session.public_id
    client.post("/api/v1/checkins", headers=volunteer, json={
        "client_id": str(uuid.uuid4()), "payload": before["payload"], "scanned_at": utcnow().isoformat(),
        "gps": {"lat": LAT, "lon": LON, "accuracy_m": 5}})
    assert client.get(code_url).get_json()["checkins"] == 1


def test_display_needs_its_key(client):
    session = make_session()
    assert client.get(f"/display/sessions/{session.public_id}").status_code == 404
    assert client.get(f"/display/sessions/{session.public_id}?k=guess").status_code == 404
    assert client.get(f"/display/sessions/{session.public_id}/code.json?k=guess").status_code == 404
