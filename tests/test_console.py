"""The commune console (issue 7, item 8): sign-in through the API's own checks and throttle, sessions
that end on the server, CSRF on every form, cookie flags, security headers, figures of one's own area."""
import re
import uuid
from datetime import timedelta

import pytest

from fieldapp import create_app
from fieldapp.clock import utcnow
from fieldapp.config import ConfigError, load_config
from fieldapp.display import display_key
from fieldapp.models import ActivityEntry, AuthToken, CheckIn, Role, SupportRecord, TokenKind, Verdict
from tests.factories import (
    DEFAULT_PASSWORD,
    make_household,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
)

COOKIE = "fieldapp_session"


def csrf_token(client, path="/console/login", **kwargs) -> str:
    """The CSRF token of the form on ``path`` (the sign-in page, or the page it leads a signed-in user to)."""
    page = client.get(path, follow_redirects=True, **kwargs)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, phone, password=DEFAULT_PASSWORD, *, with_csrf=True, **kwargs):
    data = {"phone": phone, "password": password}
    if with_csrf:
        data["csrf_token"] = csrf_token(client, **kwargs)
    return client.post("/console/login", data=data, **kwargs)


def session_cookie(response, name=COOKIE) -> dict:
    """The session cookie a response sets: its value and its attributes (lower-cased names)."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = header.split("; ")
        cookie_name, _, value = first.partition("=")
        if cookie_name == name:
            parsed = {"value": value}
            for attribute in attributes:
                key, _, attribute_value = attribute.partition("=")
                parsed[key.lower()] = attribute_value or True
            return parsed
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def figures(page) -> dict:
    return {name: int(value) for name, value in re.findall(r'class="value" id="([a-z-]+)">(\d+)<',
                                                             page.get_data(as_text=True))}


def console_sessions(db):
    return db.session.query(AuthToken).filter_by(kind=TokenKind.console).all()


def test_console_pages_need_a_session(client):
    for path, location in (("/console/", "/console/login"),
                           ("/console/support-records", "/console/login?next=/console/support-records")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == location


def test_an_officer_signs_in_and_sees_the_area(client, db):
    officer = make_user(role=Role.commune_officer, full_name="Phan Văn Đức")
    login_page = client.get("/console/login")
    assert login_page.status_code == 200 and "Số điện thoại" in login_page.get_data(as_text=True)
    response = sign_in(client, officer.phone)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    [record] = console_sessions(db)
    assert record.user_id == officer.id and record.revoked_at is None
    assert record.expires_at - record.created_at == timedelta(hours=8)
    assert db.session.query(ActivityEntry).filter_by(action="auth.console_sign_in",
                                                     actor_id=officer.id).count() == 1
    home = client.get("/console/")
    html = home.get_data(as_text=True)
    assert home.status_code == 200
    assert '<h1 id="area">Xã Hùng Châu</h1>' in html and "Phan Văn Đức · Cán bộ xã" in html
    assert client.get("/console/login").headers["Location"] == "/console/"  # already signed in


def test_the_phone_is_accepted_as_people_type_it(client):
    make_user(role=Role.team_leader, phone="+84913777001")
    assert sign_in(client, "0913 777 001").headers["Location"] == "/console/"


@pytest.mark.parametrize("phone, password", [("0913777002", "sai-mat-khau"),
                                             ("0913777999", DEFAULT_PASSWORD)])
def test_a_wrong_phone_or_password_shows_the_form_again_and_opens_nothing(client, db, phone, password):
    make_user(role=Role.commune_officer, phone="+84913777002")
    response = sign_in(client, phone, password)
    assert response.status_code == 200
    assert "Số điện thoại hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert console_sessions(db) == []
    assert client.get("/console/").status_code == 302


def test_a_disabled_account_cannot_sign_in(client, db):
    make_user(role=Role.commune_officer, phone="+84913777003", is_active=False)
    assert "mật khẩu không đúng" in sign_in(client, "0913777003").get_data(as_text=True)
    assert console_sessions(db) == []


def test_a_volunteer_is_sent_to_the_phone_app(client, db):
    volunteer = make_user(role=Role.volunteer)
    response = sign_in(client, volunteer.phone)
    assert response.status_code == 403
    assert "Tài khoản tình nguyện viên không dùng trang quản lý" in response.get_data(as_text=True)
    assert console_sessions(db) == []
    assert client.get("/console/").status_code == 302


def test_failed_sign_ins_are_throttled_with_the_api_s_counter(client, app):
    officer = make_user(role=Role.commune_officer, phone="+84913777004")
    allowed = int(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"].split()[0])
    for _ in range(allowed - 1):  # the API's failures count for the console, and the reverse
        api = client.post("/api/v1/auth/token", json={"phone": "0913777004", "password": "sai"})
        assert api.status_code == 401
    assert sign_in(client, "0913777004", "sai").status_code == 200
    throttled = sign_in(client, officer.phone)  # even the right password now waits
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    html = throttled.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau." in html and 'name="password"' in html
    assert client.get("/console/").status_code == 302
    api = client.post("/api/v1/auth/token", json={"phone": officer.phone, "password": DEFAULT_PASSWORD})
    assert api.status_code == 429 and api.get_json()["error_code"] == "auth.throttled"


def test_a_guesser_at_one_address_does_not_lock_the_officer_out_of_the_console(client, app):
    officer = make_user(role=Role.commune_officer, phone="+84913777006")
    guesser, owner = {"REMOTE_ADDR": "198.51.100.8"}, {"REMOTE_ADDR": "192.0.2.21"}
    for _ in range(int(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"].split()[0])):
        refused = sign_in(client, "0913777006", "sai", environ_base=guesser)
        assert "mật khẩu không đúng" in refused.get_data(as_text=True)
    assert sign_in(client, officer.phone, environ_base=guesser).status_code == 429
    signed_in = sign_in(client, officer.phone, environ_base=owner)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/console/"


def test_the_account_s_ceiling_counts_console_and_api_guesses_from_many_addresses(client, app):
    make_user(role=Role.commune_officer, phone="+84913777007")
    ceiling = int(app.config["LOGIN_FAILURES_PER_ACCOUNT"].split()[0])
    per_address = int(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"].split()[0]) - 1
    for index in range(ceiling):  # half through the console, half through the API, each address below its count
        address = {"REMOTE_ADDR": f"203.0.113.{index // per_address}"}
        if index % 2:
            assert sign_in(client, "0913777007", "sai", environ_base=address).status_code == 200
        else:
            api = client.post("/api/v1/auth/token", json={"phone": "0913777007", "password": "sai"},
                              environ_base=address)
            assert api.status_code == 401
    throttled = sign_in(client, "0913777007", "sai", environ_base={"REMOTE_ADDR": "192.0.2.98"})
    assert throttled.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in throttled.get_data(as_text=True)


def test_successful_and_refused_volunteer_sign_ins_are_not_counted(client, app):
    officer = make_user(role=Role.commune_officer)
    volunteer = make_user(role=Role.volunteer)
    allowed = int(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"].split()[0])
    for _ in range(allowed + 2):
        assert sign_in(client, volunteer.phone).status_code == 403
        assert sign_in(client, officer.phone).status_code == 302


@pytest.mark.parametrize("token", [None, "", "ImZvcmdlZCI.forged.token"])
def test_sign_in_without_a_valid_csrf_token_is_refused_and_changes_nothing(client, db, token):
    officer = make_user(role=Role.commune_officer)
    client.get("/console/login")  # the browser has a session with a token, but the form sent another
    entries = db.session.query(ActivityEntry).count()
    data = {"phone": officer.phone, "password": DEFAULT_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/console/login", data=data)
    assert response.status_code == 400
    assert "thiếu mã bảo vệ" in response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/html")
    assert console_sessions(db) == []
    assert db.session.query(ActivityEntry).count() == entries
    assert client.get("/console/").status_code == 302


def test_a_csrf_token_of_another_session_is_refused(app, client):
    first, second = make_user(role=Role.commune_officer), make_user(role=Role.commune_officer)
    other = app.test_client()
    sign_in(other, second.phone)
    stolen = csrf_token(other, "/console/")
    sign_in(client, first.phone)
    assert client.post("/console/logout", data={"csrf_token": stolen}).status_code == 400
    assert client.get("/console/").status_code == 200


def test_sign_out_needs_the_csrf_token_and_ends_the_session_on_the_server(client, db):
    officer = make_user(role=Role.commune_officer)
    cookie = session_cookie(sign_in(client, officer.phone))["value"]
    refused = client.post("/console/logout")
    assert refused.status_code == 400 and "thiếu mã bảo vệ" in refused.get_data(as_text=True)
    [record] = console_sessions(db)
    assert record.revoked_at is None and client.get("/console/").status_code == 200  # nothing changed

    response = client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    db.session.refresh(record)
    assert record.revoked_at is not None
    assert db.session.query(ActivityEntry).filter_by(action="auth.console_sign_out",
                                                     actor_id=officer.id).count() == 1
    assert client.get("/console/").status_code == 302
    client.set_cookie(COOKIE, cookie)  # a copy of the cookie taken before signing out
    replayed = client.get("/console/")
    assert replayed.status_code == 302 and replayed.headers["Location"] == "/console/login?ended=1"


def test_signing_in_again_replaces_the_session(client, db):
    officer = make_user(role=Role.commune_officer)
    first = session_cookie(sign_in(client, officer.phone))["value"]
    second = session_cookie(sign_in(client, officer.phone))["value"]
    assert first != second
    records = sorted(console_sessions(db), key=lambda r: r.id)
    assert [r.revoked_at is not None for r in records] == [True, False]


def test_a_disabled_or_demoted_account_loses_its_session_at_the_next_page(client, db):
    officer = make_user(role=Role.commune_officer)
    sign_in(client, officer.phone)
    assert client.get("/console/").status_code == 200
    officer.role = Role.volunteer
    db.session.commit()
    assert client.get("/console/").headers["Location"] == "/console/login?ended=1"
    officer.role = Role.commune_officer
    db.session.commit()
    sign_in(client, officer.phone)
    officer.is_active = False
    db.session.commit()
    ended = client.get("/console/", follow_redirects=True)
    assert "Phiên làm việc đã kết thúc, vui lòng đăng nhập lại." in ended.get_data(as_text=True)


def test_an_expired_session_is_refused(client, monkeypatch, app):
    sign_in(client, make_user(role=Role.team_leader).phone)
    later = utcnow() + app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=1)
    monkeypatch.setattr("fieldapp.selectors.tokens.utcnow", lambda: later)
    assert client.get("/console/").status_code == 302


def test_a_console_session_is_not_a_bearer_token_nor_the_reverse(client, login):
    officer = make_user(role=Role.commune_officer)
    session_id = None
    sign_in(client, officer.phone)
    with client.session_transaction() as browser_session:
        session_id = browser_session["sid"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {session_id}"}).status_code == 401
    bearer = login(officer)["Authorization"].removeprefix("Bearer ")
    other = client.application.test_client()
    with other.session_transaction() as browser_session:
        browser_session.update({"sid": bearer, "uid": officer.id})
    assert other.get("/console/").status_code == 302


def test_the_api_needs_no_csrf_token_even_beside_a_console_cookie(client, login):
    officer = make_user(role=Role.commune_officer)
    sign_in(client, officer.phone)  # this client now holds a console session cookie
    headers = login(officer)
    created = client.post("/api/v1/communes/17395/villages", headers=headers,
                          json={"name": "Xóm Mới", "kind": "xóm"})
    assert created.status_code == 201, created.get_json()
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    fresh = client.post("/api/v1/auth/token", json={"phone": officer.phone, "password": DEFAULT_PASSWORD})
    assert fresh.status_code == 201


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    officer = make_user(role=Role.commune_officer)
    anonymous = session_cookie(client.get("/console/login"))
    assert anonymous["httponly"] is True and anonymous["samesite"] == "Lax" and anonymous["path"] == "/"
    assert "secure" not in anonymous and "expires" not in anonymous  # gone with the browser
    signed_in = session_cookie(sign_in(client, officer.phone))
    assert signed_in["httponly"] is True and signed_in["samesite"] == "Lax" and "secure" not in signed_in
    assert "expires" in signed_in and "domain" not in signed_in


@pytest.fixture
def production_app(app, monkeypatch):
    """The app as configured in production: FIELDAPP_ENV=production and the secrets it requires."""
    monkeypatch.setenv("FIELDAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-only-for-this-test")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("KEYS_DIR", app.config["KEYS_DIR"])
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    return create_app({"TESTING": True, "PASSWORD_HASH_PROFILE": "CHEAPEST", "AUDIT_SEQUENCE_INTERVAL": 0})


def test_in_production_the_cookie_is_secure_and_host_prefixed(production_app):
    officer = make_user(role=Role.commune_officer)
    client = production_app.test_client()
    https = {"base_url": "https://console.example.vn"}
    response = sign_in(client, officer.phone, headers={"Referer": "https://console.example.vn/console/login"},
                       **https)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = session_cookie(response, "__Host-fieldapp_session")
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and "domain" not in cookie  # what the __Host- prefix demands
    assert client.get("/console/", **https).status_code == 200


def test_in_production_a_form_over_https_must_come_from_the_site_itself(production_app):
    officer = make_user(role=Role.commune_officer)
    client = production_app.test_client()
    https = {"base_url": "https://console.example.vn"}
    assert sign_in(client, officer.phone, **https).status_code == 400  # no Referer
    other_site = {"Referer": "https://evil.example.com/"}
    assert sign_in(client, officer.phone, headers=other_site, **https).status_code == 400
    assert client.get("/console/login", **https).headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("env, secure_setting, secure, name", [
    ("production", None, True, "__Host-fieldapp_session"),
    ("production", "false", False, "fieldapp_session"),  # e.g. behind a proxy that is not yet on HTTPS
    ("development", None, False, "fieldapp_session"),
    ("development", "true", True, "__Host-fieldapp_session"),
])
def test_the_secure_flag_follows_the_environment_and_can_be_set(monkeypatch, env, secure_setting, secure,
                                                                name):
    for variable, value in {"FIELDAPP_ENV": env, "SECRET_KEY": "s", "DATABASE_URL": "sqlite://",
                            "KEYS_DIR": "/tmp/keys"}.items():
        monkeypatch.setenv(variable, value)
    if secure_setting is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", secure_setting)
    config = load_config()
    assert (config["SESSION_COOKIE_SECURE"], config["SESSION_COOKIE_NAME"]) == (secure, name)
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_a_wrong_secure_setting_stops_the_start(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "maybe")
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        load_config()


def _assert_page_headers(response, *, csp_part: str, referrer: str):
    assert csp_part in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == referrer
    assert response.headers["Cache-Control"] == "no-store"


def test_console_pages_carry_the_security_headers(client):
    officer = make_user(role=Role.commune_officer)
    anonymous = [client.get("/console/login"), client.get("/console/"), client.post("/console/logout")]
    sign_in(client, officer.phone)
    signed_in = [client.get("/console/"), client.get("/console/support-records")]
    for response in anonymous + signed_in:
        _assert_page_headers(response, csp_part="default-src 'none'; script-src 'self'; style-src 'self'",
                             referrer="same-origin")
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]  # scripts from /static only
    assert [r.status_code for r in anonymous + signed_in] == [200, 302, 400, 200, 200]


def test_the_display_page_carries_the_same_headers(client):
    session = make_session()
    key = display_key(session.public_id)
    for path in (f"/display/sessions/{session.public_id}?k={key}",
                 f"/display/sessions/{session.public_id}/code.json?k={key}",
                 f"/display/sessions/{session.public_id}?k=guess"):
        response = client.get(path)
        _assert_page_headers(response, csp_part="default-src 'none'; script-src 'self'; style-src 'self'",
                             referrer="no-referrer")
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert client.get("/api/v1/livez").headers.get("Content-Security-Policy") is None  # pages only


def test_the_display_page_has_no_inline_script_or_style(client):
    """Its CSP allows scripts and styles from /static only: anything inline would not run."""
    session = make_session()
    url = f"/display/sessions/{session.public_id}?k={display_key(session.public_id)}"
    html = client.get(url).get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/display.js" defer>']
    assert "</script>" in html and re.search(r"<script[^>]*>\s*\S+\s*</script>", html) is None
    assert "<style" not in html and re.search(r"\s(style|on\w+)\s*=", html) is None  # no inline style or handler
    for name, mimetype in (("display.js", "text/javascript"), ("display.css", "text/css")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.mimetype == mimetype


def test_the_stylesheet_is_served_from_static(client):
    response = client.get("/static/console.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b".figures" in response.data


def _checkin(user, commune_code, verdict, flags=()):
    from fieldapp.extensions import db
    from fieldapp.models import EvidenceStatus

    status = {Verdict.verified: EvidenceStatus.counted, Verdict.accepted_with_flags: EvidenceStatus.held,
              Verdict.rejected: EvidenceStatus.rejected}[verdict]
    db.session.add(CheckIn(client_id=str(uuid.uuid4()), request_hash="0" * 64, user_id=user.id,
                           commune_code=commune_code, target_kind="session", scanned_at=utcnow(),
                           verdict=verdict, flags=list(flags), evidence_status=status))
    db.session.commit()


def _support(person, skill="online_safety", flags=(), helper=None, team=None, held=False):
    from fieldapp.extensions import db
    from fieldapp.models import EvidenceStatus

    db.session.add(SupportRecord(person_id=person.id, skill=skill, commune_code=person.commune_code,
                                 village_id=person.village_id, source_kind="visit", source_id="V1",
                                 helper_id=helper.id if helper else None, team_id=team.id if team else None,
                                 supported_at=utcnow(), proof="qr_plate", flags=list(flags),
                                 evidence_status=EvidenceStatus.held if held else EvidenceStatus.counted))
    db.session.commit()


#: Two communes of two provinces that no other test writes in (concurrency tests commit for real in
#: Hùng Châu, so its totals are not this test's alone).
HERE, HERE_PROVINCE, THERE = "03390", "12", "01273"  # Xã Bình Lư (Lai Châu), Phường Thục Phán (Cao Bằng)


@pytest.fixture
def two_communes(db):
    """Two communes, each with households, people, check-ins and support records."""
    here, there = make_village(commune_code=HERE), make_village(commune_code=THERE)
    volunteer_here = make_user(full_name="Lê Văn Nam", unit_code=HERE)
    volunteer_there = make_user(unit_code=THERE)
    first, second = make_household(village=here), make_household(village=here)
    second.digital_family_at = utcnow()
    people_here = [make_person(household=first, full_name="Nguyễn Thị Hoà"),
                   make_person(household=first, full_name="Trần Văn Bình"),
                   make_person(household=second, full_name="Hồ Thị Cúc")]
    person_there = make_person(household=make_household(village=there), full_name="Đặng Văn Dũng")
    for verdict in (Verdict.verified, Verdict.verified, Verdict.accepted_with_flags, Verdict.rejected):
        _checkin(volunteer_here, HERE, verdict)
    _checkin(volunteer_there, THERE, Verdict.verified)
    _support(people_here[0], helper=volunteer_here)
    _support(people_here[1], skill="cashless_payment", helper=volunteer_here)
    _support(people_here[2], flags=["late_sync"], helper=volunteer_here)
    _support(people_here[2], skill="cashless_payment", flags=["far_from_site"], helper=volunteer_here, held=True)
    _support(person_there, helper=volunteer_there)
    return {"people_here": people_here, "person_there": person_there}


def test_each_officer_sees_the_figures_of_their_own_area(app, two_communes):
    expected_here = {"households": 2, "digital-families": 1, "people": 3, "checkins-counted": 2,
                     "checkins-held": 1, "checkins-rejected": 1, "support-records": 3, "support-records-held": 1,
                     "support-records-verified": 2}
    expected_there = {"households": 1, "digital-families": 0, "people": 1, "checkins-counted": 1,
                      "checkins-held": 0, "checkins-rejected": 0, "support-records": 1, "support-records-held": 0,
                      "support-records-verified": 1}
    for user, area, expected in [
            (make_user(role=Role.commune_officer, unit_code=HERE), "Xã Bình Lư", expected_here),
            (make_user(role=Role.commune_officer, unit_code=THERE), "Phường Thục Phán", expected_there),
            (make_user(role=Role.province_officer, unit_code=HERE_PROVINCE), "Tỉnh Lai Châu", expected_here)]:
        client = app.test_client()
        sign_in(client, user.phone)
        home = client.get("/console/")
        assert f'<h1 id="area">{area}</h1>' in home.get_data(as_text=True)
        assert figures(home) == expected, user.unit_code


def test_the_support_list_shows_one_s_own_area_a_page_at_a_time(app, client, two_communes, monkeypatch):
    sign_in(client, make_user(role=Role.commune_officer, unit_code=HERE).phone)
    page = client.get("/console/support-records").get_data(as_text=True)
    assert "3 lượt hỗ trợ" in page
    for name in ("Nguyễn Thị Hoà", "Trần Văn Bình", "Hồ Thị Cúc"):
        assert name in page
    assert "Đặng Văn Dũng" not in page
    assert "<th scope=\"col\">Kỹ năng được hỗ trợ</th>" in page and "Thanh toán không dùng tiền mặt" in page
    assert "Lê Văn Nam" in page and "late_sync" in page
    assert "far_from_site" not in page  # support held back for review is not on the list (it does not count)

    verified = client.get("/console/support-records?verified=1").get_data(as_text=True)
    assert "2 lượt hỗ trợ không có ghi chú kiểm tra" in verified and "Hồ Thị Cúc" not in verified

    monkeypatch.setitem(app.config, "PAGE_SIZE_DEFAULT", 2)
    first = client.get("/console/support-records").get_data(as_text=True)
    second = client.get("/console/support-records?page=2").get_data(as_text=True)
    assert "Trang 1/2" in first and 'href="/console/support-records?page=2"' in first
    assert "Trang 2/2" in second and 'href="/console/support-records?page=1"' in second
    assert re.findall(r"<tr><td>(\d+)</td>", first) == ["1", "2"]
    assert re.findall(r"<tr><td>(\d+)</td>", second) == ["3"]
    assert client.get("/console/support-records?page=-4").status_code == 200  # read as the first page
    huge = client.get(f"/console/support-records?page={10**19}")  # its OFFSET used to overflow (500)
    assert huge.status_code == 200 and re.findall(r"<tr><td>(\d+)</td>", huge.get_data(as_text=True)) == []


def test_a_team_leader_sees_the_support_of_their_team_only(client, two_communes):
    leader = make_user(role=Role.team_leader, unit_code=HERE, full_name="Bùi Quang Long")
    team = make_team(leader=leader, commune_code=HERE)
    _support(two_communes["people_here"][1], skill="online_public_services", team=team)
    sign_in(client, leader.phone)
    assert figures(client.get("/console/"))["support-records"] == 1  # of the commune's 4, their team's one
    page = client.get("/console/support-records").get_data(as_text=True)
    assert "Dịch vụ công trực tuyến" in page and "Nguyễn Thị Hoà" not in page
