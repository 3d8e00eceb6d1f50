"""Sign-in, token expiry and revocation, throttling of failed sign-ins."""
from datetime import timedelta

import pytest

from fieldapp import create_app
from fieldapp.clock import utcnow
from fieldapp.models import AuthToken, Role
from fieldapp.selectors.tokens import token_digest
from tests.factories import DEFAULT_PASSWORD, make_user


def _sign_in(client, phone, password=DEFAULT_PASSWORD, **kwargs):
    return client.post("/api/v1/auth/token", json={"phone": phone, "password": password}, **kwargs)


@pytest.mark.parametrize("as_typed", ["0913999001", "+84913999001", "0913 999 001", "84913999001"])
def test_sign_in_accepts_the_phone_as_people_type_it(client, as_typed):
    user = make_user(phone="+84913999001")
    response = _sign_in(client, as_typed)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user_id"] == user.id
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) >= 40


def test_token_is_stored_only_as_its_hash(client, db):
    make_user(phone="+84913999002")
    token = _sign_in(client, "0913999002").get_json()["access_token"]
    stored = db.session.query(AuthToken).one()
    assert stored.token_hash == token_digest(token)
    assert token not in stored.token_hash


@pytest.mark.parametrize("phone, password", [("0913999003", "wrong-password"), ("0913999999", DEFAULT_PASSWORD),
                                             ("not-a-phone", DEFAULT_PASSWORD)])
def test_wrong_phone_or_password_get_the_same_answer(client, phone, password):
    make_user(phone="+84913999003")
    response = _sign_in(client, phone, password)
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "auth.bad_credentials"


def test_disabled_account_cannot_sign_in(client):
    make_user(phone="+84913999004", is_active=False)
    assert _sign_in(client, "0913999004").status_code == 401


def test_me_needs_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "auth.required"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_me_with_a_token_shows_role_and_area(client, login):
    user = make_user(role=Role.team_leader, full_name="Trần  Thị Hoà")
    body = client.get("/api/v1/me", headers=login(user)).get_json()
    assert body["role"] == "team_leader"
    assert body["area"] == {"code": "17395", "name": "Xã Hùng Châu", "level": "commune"}
    assert body["full_name"] == "Trần Thị Hoà"
    assert "unit.read" in body["permissions"]
    assert "user.create" not in body["permissions"]


def test_unknown_token_is_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "auth.token_invalid"


def test_expired_token_is_refused(client, login, monkeypatch, app):
    headers = login(make_user())
    later = utcnow() + timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] + 1)
    monkeypatch.setattr("fieldapp.selectors.tokens.utcnow", lambda: later)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "auth.token_invalid"


def test_token_is_live_until_its_expiry(client, login, monkeypatch, app):
    headers = login(make_user())
    almost = utcnow() + timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] - 60)
    monkeypatch.setattr("fieldapp.selectors.tokens.utcnow", lambda: almost)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_revoked_token_stops_working_and_others_do_not(client, login):
    user = make_user()
    lost_phone = login(user)
    other_device = login(user)
    assert client.delete("/api/v1/auth/token", headers=lost_phone).status_code == 204
    assert client.get("/api/v1/me", headers=lost_phone).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=lost_phone).status_code == 401
    assert client.get("/api/v1/me", headers=other_device).status_code == 200


def _allowed(app, setting: str) -> int:
    return int(app.config[setting].split()[0])


GUESSER, OWNER = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "192.0.2.20"}


def test_a_guesser_at_one_address_waits_while_the_owner_elsewhere_signs_in(client, app):
    """Five wrong passwords used to lock the owner out from every address for 15 minutes: anyone who
    knew a volunteer's phone number could keep them out. Now the guesser's address waits."""
    make_user(phone="+84913999005")
    for _ in range(_allowed(app, "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS")):
        assert _sign_in(client, "0913999005", "wrong-password", environ_base=GUESSER).status_code == 401
    response = _sign_in(client, "+84913999005", DEFAULT_PASSWORD, environ_base=GUESSER)  # even the right one
    assert response.status_code == 429
    assert response.get_json()["error_code"] == "auth.throttled"
    assert int(response.headers["Retry-After"]) > 0
    assert _sign_in(client, "0913999005", environ_base=OWNER).status_code == 201  # the owner is not locked out
    # another account from the guesser's address is not held back by this one
    make_user(phone="+84913999006")
    assert _sign_in(client, "0913999006", environ_base=GUESSER).status_code == 201


def test_guesses_spread_over_many_addresses_stop_at_the_account_s_ceiling(client, app):
    """ASVS 2.2.1: at most LOGIN_FAILURES_PER_ACCOUNT (100 an hour) failed attempts on one account,
    however many addresses they come from, each below its own count."""
    make_user(phone="+84913999011")
    ceiling = _allowed(app, "LOGIN_FAILURES_PER_ACCOUNT")
    per_address = _allowed(app, "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS") - 1
    assert ceiling > per_address
    for index in range(ceiling):
        address = {"REMOTE_ADDR": f"203.0.113.{index // per_address}"}
        assert _sign_in(client, "0913999011", "wrong-password", environ_base=address).status_code == 401
    fresh = {"REMOTE_ADDR": "192.0.2.99"}
    response = _sign_in(client, "0913999011", "wrong-password", environ_base=fresh)
    assert response.status_code == 429 and response.get_json()["error_code"] == "auth.throttled"
    assert int(response.headers["Retry-After"]) > 0
    make_user(phone="+84913999012")  # other accounts, from those same addresses, are not held back
    assert _sign_in(client, "0913999012", environ_base=fresh).status_code == 201


def test_failed_sign_ins_are_throttled_per_address(client, app):
    allowed = int(app.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0])
    for index in range(allowed):
        assert _sign_in(client, f"09139{index:05d}", "wrong-password").status_code == 401
    make_user(phone="+84913999007")
    response = _sign_in(client, "0913999007")
    assert response.status_code == 429
    other_address = _sign_in(client, "0913999007", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_address.status_code == 201


def test_a_made_up_bearer_header_does_not_escape_the_address_limit(client, app):
    allowed = int(app.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0])
    for index in range(allowed):  # each guess with another made-up token: still the same address
        made_up = {"Authorization": f"Bearer made-up-{index}"}
        assert _sign_in(client, f"09138{index:05d}", "wrong-password", headers=made_up).status_code == 401
    make_user(phone="+84913999009")
    assert _sign_in(client, "0913999009", headers={"Authorization": "Bearer another"}).status_code == 429


def test_successful_sign_ins_are_not_throttled(client, app):
    make_user(phone="+84913999008")
    allowed = _allowed(app, "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS")
    for _ in range(allowed + 3):
        assert _sign_in(client, "0913999008").status_code == 201


def test_me_lists_the_teams_i_lead_and_belong_to(client, login, db):
    from fieldapp.services.teams import team_create, team_member_add

    leader = make_user(role=Role.team_leader)
    volunteer = make_user()
    team = team_create(commune_code="17395", name="Tổ CNS Xóm 1", kind="community_tech", leader=leader,
                       village_id=None, caller=None)
    team_member_add(team=team, user=volunteer, caller=None)
    db.session.commit()
    mine = client.get("/api/v1/me", headers=login(volunteer)).get_json()["teams"]
    assert [(t["id"], t["leader_id"], t["kind"]) for t in mine] == [(team.id, leader.id, "community_tech")]
    assert [t["id"] for t in client.get("/api/v1/me", headers=login(leader)).get_json()["teams"]] == [team.id]
    assert client.get("/api/v1/me", headers=login(make_user())).get_json()["teams"] == []


@pytest.mark.parametrize("proxies, throttled", [(0, True), (1, False)])
def test_the_client_address_comes_from_a_proxy_only_when_it_is_trusted(app, proxies, throttled):
    """Without a trusted proxy (TRUSTED_PROXIES=0) a forged X-Forwarded-For changes nothing: every
    guess counts against the one real address. Behind one (TRUSTED_PROXIES=1, e.g. nginx ending TLS)
    each forwarded client has its own budget, instead of all sharing the proxy's."""
    client = create_app({**{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR",
                                                              "PASSWORD_HASH_PROFILE")},
                         "TESTING": True, "AUDIT_SEQUENCE_INTERVAL": 0, "TRUSTED_PROXIES": proxies,
                         "LOGIN_FAILURES_PER_ADDRESS": "3 per 15 minutes"}).test_client()
    for index in range(3):
        forwarded = {"X-Forwarded-For": f"203.0.113.{index}"}
        assert _sign_in(client, f"09137{index:05d}", "wrong-password", headers=forwarded).status_code == 401
    make_user(phone="+84913999010")
    answer = _sign_in(client, "0913999010", headers={"X-Forwarded-For": "203.0.113.99"})
    assert answer.status_code == (429 if throttled else 201)
