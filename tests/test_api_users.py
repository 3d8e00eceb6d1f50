"""Accounts: officers create them in their area (the caller's area comes from the token), and disable
or enable them again there; the operator does it by phone."""
import json

from fieldapp.models import ActivityEntry, Role
from tests.factories import DEFAULT_PASSWORD, HUNG_CHAU, OTHER_COMMUNE, make_user

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


# Disabling an account (issue 12, item 10): a volunteer leaves, a phone is lost.

def _disable(client, headers, user_id):
    return client.post(f"/api/v1/users/{user_id}/disable", headers=headers)


def test_disabling_ends_the_account_s_tokens_and_console_sessions_at_once(client, login, db, app):
    from fieldapp.models import AuthToken, TokenKind
    from tests.test_console import sign_in

    officer, leader = make_user(role=Role.commune_officer), make_user(role=Role.team_leader)
    phone_token, browser = login(leader), app.test_client()
    assert sign_in(browser, leader.phone).status_code == 302
    assert browser.get("/console/").status_code == 200
    assert client.get("/api/v1/me", headers=phone_token).status_code == 200

    response = _disable(client, login(officer), leader.id)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == leader.id and response.get_json()["is_active"] is False
    refused = client.get("/api/v1/me", headers=phone_token)
    assert refused.status_code == 401 and refused.get_json()["error_code"] == "auth.token_invalid"
    gone = browser.get("/console/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/console/login")
    tokens = db.session.query(AuthToken).filter_by(user_id=leader.id).all()
    assert {t.kind for t in tokens} == {TokenKind.api, TokenKind.console}
    assert all(t.revoked_at is not None for t in tokens)  # revoked, not merely refused while disabled
    # signing in again is refused, on the API and the console alike
    again = client.post("/api/v1/auth/token", json={"phone": leader.phone, "password": DEFAULT_PASSWORD})
    assert again.status_code == 401 and again.get_json()["error_code"] == "auth.bad_credentials"
    assert "mật khẩu không đúng" in sign_in(app.test_client(), leader.phone).get_data(as_text=True)
    entry = db.session.query(ActivityEntry).filter_by(action="user.disable", object_id=str(leader.id)).one()
    assert (entry.log_unit, entry.actor_id, entry.actor_role) == (HUNG_CHAU, officer.id, "commune_officer")
    assert json.loads(entry.body) == {"role": "team_leader", "tokens_revoked": 2}


def test_an_account_outside_the_area_answers_like_one_that_does_not_exist(client, login, db):
    outsider = make_user(unit_code=OTHER_COMMUNE)
    headers = login(make_user(role=Role.commune_officer))
    outside, made_up = _disable(client, headers, outsider.id), _disable(client, headers, 2147483647)
    assert outside.status_code == made_up.status_code == 404
    assert outside.get_json() == made_up.get_json()
    assert outside.get_json()["error_code"] == "user.not_found"
    enable_outside = client.post(f"/api/v1/users/{outsider.id}/enable", headers=headers)
    assert enable_outside.get_json() == client.post("/api/v1/users/2147483647/enable", headers=headers).get_json()
    db.session.refresh(outsider)
    assert outsider.is_active
    assert client.get("/api/v1/me", headers=login(outsider)).status_code == 200


def test_an_officer_disables_only_roles_they_could_grant_and_not_themselves(client, login, db):
    officer, colleague = make_user(role=Role.commune_officer), make_user(role=Role.commune_officer)
    headers = login(officer)
    higher = _disable(client, headers, colleague.id)  # a commune officer grants volunteers and leaders only
    assert higher.status_code == 403 and higher.get_json()["error_code"] == "user.status_outside_scope"
    myself = _disable(client, headers, officer.id)
    assert myself.status_code == 422 and myself.get_json()["error_code"] == "user.status_self"
    db.session.refresh(colleague)
    assert colleague.is_active and client.get("/api/v1/me", headers=headers).status_code == 200
    # a province officer may, in the province's communes (Hùng Châu lies in Nghệ An, 40)
    province = login(make_user(role=Role.province_officer, unit_code="40"))
    assert _disable(client, province, colleague.id).status_code == 200
    other_province = login(make_user(role=Role.province_officer, unit_code="01"))
    assert _disable(client, other_province, officer.id).status_code == 404
    assert not db.session.query(ActivityEntry).filter_by(action="user.disable", object_id=str(officer.id)).all()


def test_volunteers_and_leaders_may_not_disable_accounts(client, login):
    volunteer = make_user()
    for role in (Role.volunteer, Role.team_leader):
        response = _disable(client, login(make_user(role=role)), volunteer.id)
        assert response.status_code == 403 and response.get_json()["error_code"] == "auth.forbidden"


def test_disabling_twice_changes_nothing_and_enabling_lets_the_account_sign_in_again(client, login, db):
    officer, volunteer = make_user(role=Role.commune_officer), make_user()
    headers, old_token = login(officer), login(volunteer)
    assert _disable(client, headers, volunteer.id).status_code == 200
    assert _disable(client, headers, volunteer.id).get_json()["is_active"] is False
    assert db.session.query(ActivityEntry).filter_by(action="user.disable", object_id=str(volunteer.id)).count() == 1
    enabled = client.post(f"/api/v1/users/{volunteer.id}/enable", headers=headers)
    assert enabled.status_code == 200 and enabled.get_json()["is_active"] is True
    assert client.get("/api/v1/me", headers=old_token).status_code == 401  # what was revoked stays revoked
    assert client.get("/api/v1/me", headers=login(volunteer)).status_code == 200
    entry = db.session.query(ActivityEntry).filter_by(action="user.enable", object_id=str(volunteer.id)).one()
    assert entry.actor_id == officer.id


def test_the_operator_disables_and_enables_an_account_by_phone(runner, client, login, db):
    from fieldapp.models import AuthToken

    volunteer = make_user(phone="+84913555001")
    headers = login(volunteer)
    result = runner.invoke(args=["users", "disable", "--phone", "0913555001"])
    assert result.exit_code == 0, result.output
    assert f"disabled user {volunteer.id}" in result.output
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    db.session.refresh(volunteer)
    assert not volunteer.is_active
    assert all(t.revoked_at is not None for t in db.session.query(AuthToken).filter_by(user_id=volunteer.id))
    entry = db.session.query(ActivityEntry).filter_by(action="user.disable", object_id=str(volunteer.id)).one()
    assert entry.actor_id is None and entry.request_id.startswith("cli-")
    assert runner.invoke(args=["users", "enable", "--phone", "+84913555001"]).exit_code == 0
    assert client.get("/api/v1/me", headers=login(volunteer)).status_code == 200
    unknown = runner.invoke(args=["users", "disable", "--phone", "0913555999"])
    assert unknown.exit_code != 0 and "user.not_found" in unknown.output
