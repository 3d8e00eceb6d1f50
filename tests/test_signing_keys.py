"""Signing keys in production (issue 12, item 11): the server does not start without a usable key of
each purpose, and a key gone while it runs is a clear 503, never a 500."""
import pytest

from fieldapp import create_app
from fieldapp.config import ConfigError
from fieldapp.crypto.keys import check_signing_keys
from fieldapp.models import Role
from tests.factories import DEFAULT_PASSWORD, HUNG_CHAU, make_household, make_session, make_user


def _app(app, keys_dir, env="production"):
    return create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_PROFILE",
                                                      "DATABASE_ROLE")},
                       "TESTING": True, "AUDIT_SEQUENCE_INTERVAL": 0, "FIELDAPP_ENV": env,
                       "KEYS_DIR": str(keys_dir)})


def _rotate(server, purpose) -> str:
    """What ``fieldapp keys rotate --purpose P`` does, on ``server``'s KEYS_DIR (the CLI runner would use
    the test session's app, whose context is already pushed)."""
    from fieldapp.crypto.keys import key_create
    from fieldapp.extensions import db

    with server.app_context():
        key_id = key_create(purpose=purpose).key_id
        db.session.commit()
    return key_id


def test_production_does_not_start_without_a_usable_key_of_each_purpose(app, tmp_path):
    server = _app(app, tmp_path / "keys")
    with pytest.raises(ConfigError) as refused:
        check_signing_keys(server)
    assert "fieldapp keys rotate --purpose audit" in str(refused.value)
    assert "fieldapp keys rotate --purpose qr" in str(refused.value)

    _rotate(server, "audit")
    with pytest.raises(ConfigError) as refused:
        check_signing_keys(server)
    assert "--purpose qr" in str(refused.value) and "--purpose audit" not in str(refused.value)
    qr_key = _rotate(server, "qr")
    check_signing_keys(server)  # starts

    # a key row whose private half is not there, or is not a key, does not count
    (tmp_path / "keys" / f"qr-{qr_key}.pem").write_bytes(b"not a key")
    with pytest.raises(ConfigError, match="--purpose qr"):
        check_signing_keys(server)
    (tmp_path / "keys" / f"qr-{qr_key}.pem").unlink()
    with pytest.raises(ConfigError, match="--purpose qr"):
        check_signing_keys(server)
    # the same keys under another KEYS_DIR (a secret not mounted) are not usable either
    with pytest.raises(ConfigError, match="--purpose audit"):
        check_signing_keys(_app(app, tmp_path / "elsewhere"))
    assert not (tmp_path / "elsewhere").exists()  # the check creates nothing


def test_development_starts_without_keys_and_makes_them_on_first_use(app, tmp_path):
    server = _app(app, tmp_path / "keys", env="development")
    check_signing_keys(server)
    client, officer = server.test_client(), make_user(role=Role.commune_officer)
    token = client.post("/api/v1/auth/token", json={"phone": officer.phone, "password": DEFAULT_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    assert client.get(f"/api/v1/households/{make_household().public_id}/qr", headers=headers).status_code == 200
    assert [path.name[:3] for path in (tmp_path / "keys").iterdir()] == ["qr-"]


@pytest.fixture
def production_without_keys(app, tmp_path):
    """A production server whose keys went away after it started (retired, or the files removed)."""
    server = _app(app, tmp_path / "keys")
    client = server.test_client()
    officer = make_user(role=Role.commune_officer)
    token = client.post("/api/v1/auth/token", json={"phone": officer.phone, "password": DEFAULT_PASSWORD})
    return client, {"Authorization": f"Bearer {token.get_json()['access_token']}"}


def test_a_missing_key_at_request_time_is_a_503_that_names_the_command(production_without_keys):
    client, headers = production_without_keys
    household, session = make_household(), make_session()
    for path, query, purpose in [(f"/api/v1/households/{household.public_id}/qr", {}, "qr"),
                                 (f"/api/v1/sessions/{session.public_id}/qr", {}, "qr"),
                                 ("/api/v1/activity/head", {"log": HUNG_CHAU}, "audit"),
                                 ("/api/v1/activity/export", {"log": HUNG_CHAU}, "audit")]:
        response = client.get(path, query_string=query, headers={**headers, "Accept-Language": "en"})
        assert response.status_code == 503, (path, response.get_json())
        body = response.get_json()
        assert body["error_code"] == "server.signing_key_missing"
        assert f"fieldapp keys rotate --purpose {purpose}" in body["message"]
