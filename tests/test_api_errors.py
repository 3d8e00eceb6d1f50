"""Every error has the one envelope, Flask's own 404 and 405 included; Vietnamese by default."""
import pytest

from fieldapp.errors import CATALOGUE
from fieldapp.models import ActivityEntry, Role, User
from tests.factories import make_user

ENVELOPE_KEYS = {"code", "status", "error_code", "message", "errors"}


def assert_envelope(response, status, error_code):
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == status
    assert body["error_code"] == error_code
    return body


def test_flask_404_has_the_envelope_in_vietnamese(client):
    body = assert_envelope(client.get("/api/v1/no-such-thing"), 404, "http.not_found")
    assert body["message"] == CATALOGUE["http.not_found"].vi
    assert body["status"] == "Not Found"


def test_flask_404_in_english_on_request(client):
    body = assert_envelope(client.get("/nope", headers={"Accept-Language": "en-US,en;q=0.9"}), 404,
                           "http.not_found")
    assert body["message"] == "Not found."


def test_flask_405_has_the_envelope_and_allow_header(client):
    response = client.put("/api/v1/healthz")
    assert_envelope(response, 405, "http.method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400_not_500(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "request.malformed_json")


@pytest.mark.parametrize("payload, field, message_vi", [
    ({"phone": "0912000001"}, "password", "Thiếu trường bắt buộc."),
    ({"phone": 912, "password": "x"}, "phone", "Phải là chuỗi ký tự."),
    ({"phone": "0912000001", "password": "x", "role": "admin"}, "role", "Trường không được phép."),
])
def test_invalid_fields_are_422_with_per_field_messages(client, payload, field, message_vi):
    body = assert_envelope(client.post("/api/v1/auth/token", json=payload), 422, "request.invalid")
    assert body["errors"][field] == [message_vi]


def test_field_messages_stay_english_when_asked(client):
    body = assert_envelope(client.post("/api/v1/auth/token", json={"phone": "0912000001"},
                                       headers={"Accept-Language": "en"}), 422, "request.invalid")
    assert body["errors"]["password"] == ["Missing data for required field."]
    assert body["message"] == CATALOGUE["request.invalid"].en


def test_oversized_body_is_413(app, client):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post("/api/v1/auth/token", data=b"x" * size, content_type="application/json")
    assert_envelope(response, 413, "request.too_large")


def test_rejected_write_leaves_nothing_half_written(client, login, db):
    from tests.factories import make_user

    officer = make_user(role=Role.commune_officer)
    headers = login(officer)
    users_before = db.session.query(User).count()
    entries_before = db.session.query(ActivityEntry).count()
    response = client.post("/api/v1/users", headers=headers, json={
        "phone": "0912345670", "full_name": "Lê Thị B", "role": "volunteer", "unit_code": "99999",
        "password": "mat-khau-8"})
    assert_envelope(response, 404, "unit.not_found")
    assert db.session.query(User).count() == users_before
    assert db.session.query(ActivityEntry).count() == entries_before


def test_unexpected_exception_is_a_500_envelope_without_details(app):
    from flask import Blueprint

    # A throwaway app: registering a route on the shared one would leak into other tests.
    from fieldapp import create_app

    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "TESTING": False, "PROPAGATE_EXCEPTIONS": False})
    boom = Blueprint("boom", __name__)

    @boom.route("/boom")
    def _boom():
        raise RuntimeError("secret detail 0912000001")

    other.register_blueprint(boom)
    response = other.test_client().get("/boom")
    body = assert_envelope(response, 500, "server.error")
    assert "0912000001" not in response.get_data(as_text=True)
    assert body["errors"] == {}


@pytest.mark.parametrize("method, path, body, status, errors", [
    ("GET", "/api/v1/households/H%00", None, 404, None),
    ("GET", "/api/v1/persons/P%00", None, 404, None),
    ("GET", "/api/v1/households?q=Ho%00a", None, 422, {"q"}),
    ("POST", "/api/v1/households", {"village_id": 1, "address": "Nhà\u0000số 1"}, 422, {"body"}),
    ("PATCH", "/api/v1/persons/P1", {"full_name": {"\u0000": 1}}, 422, {"body"}),
])
def test_nul_characters_anywhere_are_a_clear_4xx_not_a_database_error(client, login, method, path, body, status,
                                                                      errors):
    """PostgreSQL cannot hold NUL in text: such a request used to reach a query and fail with 500."""
    answer = client.open(path, method=method, json=body, headers=login(make_user(role=Role.commune_officer)))
    assert answer.status_code == status, answer.get_json()
    if errors:
        assert answer.get_json()["error_code"] == "request.invalid" and set(answer.get_json()["errors"]) == errors
    else:
        assert answer.get_json()["error_code"] == "http.not_found"


@pytest.mark.parametrize("path", [
    "/api/v1/sessions?since=0001-01-01T00:00:00%2B07:00",
    "/api/v1/support-records?until=9999-12-31T23:59:59-07:00",
    "/api/v1/activity?since=0001-01-01T00:00:00%2B07:00",
    "/api/v1/sessions?since=0001-01-01T00:05:00Z",  # inside the calendar, but its arithmetic overflowed
    "/api/v1/support-records?until=2200-01-01T00:00:00Z",
])
def test_times_whose_utc_leaves_the_calendar_are_a_422_not_an_overflow(client, login, path):
    answer = client.get(path, headers=login(make_user(role=Role.commune_officer)))
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error_code"] == "request.invalid"
