"""Headers on every API answer (issue 12, item 12): ``X-Content-Type-Options: nosniff`` on all of them,
errors included, Flask's own 404 and 405 too; ``Cache-Control: no-store`` on all but the health probes
and the API's description (openapi.json), which hold nothing personal, and the public results' successes
(``public, max-age``: aggregates only, kept a while by anyone). Successful answers of every
route, for every role, are checked by the permission matrix's walk (tests/test_permission_matrix.py)."""
import re

import pytest

from fieldapp.models import Role
from tests.factories import make_user

#: The API answers a cache may keep.
CACHEABLE = {"/api/v1/healthz", "/api/v1/livez", "/api/v1/openapi.json"}
#: Those kept a while by anyone: the public results (aggregates only), which say for how long.
PUBLIC = {"/api/v1/public/results/<code>"}


def assert_api_headers(path: str, response) -> None:
    """What every answer of the API under ``path`` carries."""
    where = f"{response.request.method} {path} → {response.status_code}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    if path in CACHEABLE and response.status_code < 400:
        assert "no-store" not in response.headers.get("Cache-Control", ""), where
    elif path in PUBLIC and response.status_code < 400:
        assert response.headers.get("Cache-Control", "").startswith("public, max-age="), where
    else:
        assert response.headers.get("Cache-Control") == "no-store", where


def _made_up(rule: str) -> str:
    return re.sub(r"<(?:(int)[^:>]*:)?[^>]+>", lambda m: "2147483647" if m.group(1) else "X0000000", rule)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_api_route_s_errors_carry_the_headers(app, client, login, signed_in):
    """The route map walked with made-up ids and empty bodies: 401, 404, 422 and the like."""
    headers = login(make_user(role=Role.admin, unit_code=None)) if signed_in else {}
    rules = [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(rules) > 50
    for rule, method in rules:
        path = _made_up(rule.rule)
        kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code < 500, (method, path, response.get_json())
        assert_api_headers(rule.rule, response)
        response.close()


def test_flask_s_own_answers_under_the_api_carry_them_too(client, login):
    headers = login(make_user())
    for method, path, status in [("GET", "/api/v1/no-such-thing", 404), ("GET", "/api/v1", 404),
                                 ("DELETE", "/api/v1/me", 405), ("POST", "/api/v1/healthz", 405),
                                 ("GET", "/api/v1/households/H0000000", 404)]:
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == status and response.get_json()["code"] == status
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"  # an error under the probes' path too


def test_the_probes_and_the_description_may_be_cached_but_not_sniffed(client):
    for path in sorted(CACHEABLE):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Cache-Control" not in response.headers


def test_an_export_is_never_stored(client, login):
    headers = login(make_user(role=Role.commune_officer))
    for query in ({"format": "csv"}, {"format": "xlsx"}):
        response = client.get("/api/v1/support-records", query_string=query, headers=headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
