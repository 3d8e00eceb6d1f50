"""POST /users: officers create accounts in their area; the caller's area comes from the token."""
from fieldapp.models import ActivityEntry, Role
from tests.factories import HUNG_CHAU, OTHER_COMMUNE, make_user

NEW = {"phone": "0987654321", "full_name": "Đặng Văn Tú", "role": "volunteer", "unit_code": HUNG_CHAU,
       "password": "mat-khau-8"}


def test_officer_creates_a_volunteer_and_the_log_names_the_officer(client, login, db):
    officer = make_user(role=Role.commune_officer)
    response = client.post("/api/v1/users", json=NEW, headers=login(officer))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phone"] == "+84987654321" and body["role"] == "volunteer" and "password" not in body
    entry = db.session.query(ActivityEntry).filter_by(action="user.create", object_id=str(body["id"])).one()
    assert entry.actor_id == officer.id and entry.actor_role == "commune_officer"
    assert entry.request_id and entry.request_id == response.headers["X-Request-ID"]


def test_volunteer_may_not_create_accounts(client, login):
    response = client.post("/api/v1/users", json=NEW, headers=login(make_user()))
    assert response.status_code == 403
    assert response.get_json()["error_code"] == "auth.forbidden"


def test_officer_cannot_grant_in_another_commune(client, login):
    """Another area's unit answers exactly as a code that does not exist."""
    officer = make_user(role=Role.commune_officer)
    headers = login(officer)
    response = client.post("/api/v1/users", json={**NEW, "unit_code": OTHER_COMMUNE}, headers=headers)
    made_up = client.post("/api/v1/users", json={**NEW, "unit_code": "99999"}, headers=headers)
    assert response.status_code == made_up.status_code == 404
    assert response.get_json()["error_code"] == made_up.get_json()["error_code"] == "unit.not_found"


def test_duplicate_phone_is_409(client, login):
    officer = make_user(role=Role.commune_officer)
    headers = login(officer)
    assert client.post("/api/v1/users", json=NEW, headers=headers).status_code == 201
    response = client.post("/api/v1/users", json={**NEW, "phone": "+84987654321"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error_code"] == "user.phone_taken"


def test_request_id_is_kept_when_the_client_sends_one(client, login):
    officer = make_user(role=Role.commune_officer)
    response = client.post("/api/v1/users", json=NEW, headers={**login(officer), "X-Request-ID": "phone-42-abc"})
    assert response.headers["X-Request-ID"] == "phone-42-abc"
