"""Liveness and readiness."""
import pytest

from fieldapp import create_app


def test_healthz_checks_the_database(client):
    assert client.get("/api/v1/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_livez_needs_no_database(client):
    assert client.get("/api/v1/livez").get_json() == {"status": "ok"}


@pytest.mark.real_commits  # a second app: the rolled-back test session must not stand in for its database
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://nobody:wrong@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = app.test_client().get("/api/v1/healthz")
    assert response.status_code == 503
    assert response.get_json()["error_code"] == "server.database_unavailable"
    assert response.headers["Retry-After"] == "2"
    assert app.test_client().get("/api/v1/livez").status_code == 200
