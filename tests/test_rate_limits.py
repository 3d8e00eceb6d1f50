"""Request rate limits per token (flask-limiter): a clear 429 with Retry-After."""
import pytest

from fieldapp import create_app
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def strict_app(app):
    return create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR", "PASSWORD_HASH_PROFILE")},
                       "TESTING": True, "RATELIMIT_PER_TOKEN": "5 per minute", "AUDIT_SEQUENCE_INTERVAL": 0})


def test_each_token_has_one_budget_across_all_routes_and_a_429_says_when_to_retry(strict_app):
    """One budget per token for the whole API (README, docs/security.md), not one per route: a
    client that spreads its requests over several routes is refused once the one budget is spent."""
    client = strict_app.test_client()
    first, second = make_user(), make_user()

    def headers(user):  # sign-ins come from the address's budget, not the tokens'
        token = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
        return {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    a, b = headers(first), headers(second)
    routes = ["/api/v1/me", "/api/v1/units", "/api/v1/households", "/api/v1/teams", "/api/v1/sessions"]
    assert [client.get(route, headers=a).status_code for route in routes] == [200] * 5
    for route in [*routes, "/api/v1/visits", "/console/"]:  # every route, even one not yet called
        limited = client.get(route, headers=a)
        assert limited.status_code == 429, route
        assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/me", headers=a).get_json()["error_code"] == "request.rate_limited"
    # another token is not held back, on any route
    assert [client.get(route, headers=b).status_code for route in routes] == [200] * 5
    assert client.get("/api/v1/me", headers=b).status_code == 429
    assert all(client.get("/api/v1/livez").status_code == 200 for _ in range(10))  # probes are exempt
    assert client.get("/api/v1/healthz").status_code == 200


def test_without_a_token_one_budget_per_address_across_routes(strict_app):
    client = strict_app.test_client()
    here, there = {"REMOTE_ADDR": "10.1.1.1"}, {"REMOTE_ADDR": "10.1.1.2"}
    answers = [client.get(route, environ_base=here).status_code
               for route in ["/api/v1/me", "/api/v1/units", "/console/login", "/api/v1/openapi.json",
                             "/api/v1/teams", "/api/v1/me"]]
    assert answers == [401, 401, 200, 200, 401, 429]
    assert client.get("/console/login", environ_base=here).status_code == 429
    assert client.get("/console/login", environ_base=there).status_code == 200


def test_with_redis_two_workers_share_one_budget_per_token(app, redis_url):
    """Production runs several gunicorn workers: a per-process count would multiply the limit.
    Two apps built one after the other (as two workers would be) count in the same Redis."""
    import uuid

    settings = {**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR", "PASSWORD_HASH_PROFILE")},
                "TESTING": True, "RATELIMIT_PER_TOKEN": "4 per minute", "AUDIT_SEQUENCE_INTERVAL": 0,
                "RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    try:
        first_worker = create_app(settings)
        user = make_user()
        token = first_worker.test_client().post("/api/v1/auth/token",
                                                json={"phone": user.phone, "password": DEFAULT_PASSWORD})
        headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        answers = [first_worker.test_client().get("/api/v1/me", headers=headers).status_code for _ in range(2)]
        second_worker = create_app(settings)  # a new storage connection, as in another process
        answers += [second_worker.test_client().get("/api/v1/me", headers=headers).status_code for _ in range(3)]
        assert answers == [200, 200, 200, 200, 429]
    finally:
        create_app({**settings, "RATELIMIT_STORAGE_URI": "memory://"})  # the other tests count in memory
