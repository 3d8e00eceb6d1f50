"""Request rate limits per token (flask-limiter): a clear 429 with Retry-After."""
import pytest

from fieldapp import create_app
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def strict_app(app):
    return create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR", "PASSWORD_HASH_PROFILE")},
                       "TESTING": True, "RATELIMIT_PER_TOKEN": "5 per minute", "AUDIT_SEQUENCE_INTERVAL": 0})


def test_each_token_has_its_own_budget_and_a_429_says_when_to_retry(strict_app):
    client = strict_app.test_client()
    first, second = make_user(), make_user()

    def headers(user):
        token = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
        return {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    a, b = headers(first), headers(second)
    assert [client.get("/api/v1/me", headers=a).status_code for _ in range(5)] == [200] * 5
    limited = client.get("/api/v1/me", headers=a)
    assert limited.status_code == 429
    assert limited.get_json()["error_code"] == "request.rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/me", headers=b).status_code == 200  # another token is not held back
    assert all(client.get("/api/v1/livez").status_code == 200 for _ in range(10))  # probes are exempt
