"""What a server does at start (fieldapp/serving/startup.py) and gunicorn's hooks around the fork
(fieldapp/serving/gunicorn_conf.py): the master builds, checks and warms the app, its sequencer
stops before the workers are forked, and each worker starts its own. tests/test_serving.py runs
the same under a real gunicorn."""
from types import SimpleNamespace

import pytest

from fieldapp import create_app
from fieldapp.audit import background
from fieldapp.extensions import db
from fieldapp.serving import gunicorn_conf
from fieldapp.serving.startup import server_start, worker_start


@pytest.fixture
def serving_app(app):
    """An app of its own on the committing database, with a sequencer that would run every minute."""
    served = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "KEYS_DIR": app.config["KEYS_DIR"], "DATABASE_ROLE": app.config.get("DATABASE_ROLE"),
                         "AUDIT_SEQUENCE_INTERVAL": 60})
    yield served
    background.stop_background_sequencers()
    with served.app_context():
        db.engine.dispose()


def _running(app) -> list:
    return [loop for loop, thread in background._STARTED if loop.app is app and thread.is_alive()]


@pytest.mark.real_commits  # an app of its own: the rolled-back test session must not stand in for its database
def test_the_master_starts_warm_and_hands_each_worker_a_sequencer_of_its_own(serving_app):
    server_start(serving_app)
    assert serving_app._got_first_request  # warmed: Flask's first request is behind it
    with serving_app.app_context():
        assert db.engine.pool.checkedin() == 0  # the checks' connections closed, none left to a fork
    [loop] = _running(serving_app)
    assert background.start_background_sequencer(serving_app) is loop  # one per app and process
    gunicorn_conf.when_ready(SimpleNamespace())  # the master, before it forks
    assert _running(serving_app) == []
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=serving_app))  # each worker, once it has the app
    [worker_loop] = _running(serving_app)
    assert worker_loop is not loop
    with serving_app.app_context():
        assert db.engine.pool.checkedin() == 1  # its first connection, open for the first request


def test_the_hooks_leave_another_app_alone():
    from tests import sleepy_app

    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=sleepy_app.app))
    gunicorn_conf.when_ready(SimpleNamespace())


@pytest.mark.real_commits
def test_a_worker_start_on_a_database_that_is_down_is_a_warning(tmp_path):
    down = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://nobody:wrong@127.0.0.1:1/none",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
                       "KEYS_DIR": str(tmp_path), "AUDIT_SEQUENCE_INTERVAL": 0})
    server_start(down)  # the checks warn; each new connection is checked once the database is back
    worker_start(down)
    assert down.test_client().get("/api/v1/healthz").status_code == 503
