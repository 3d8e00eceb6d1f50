"""What a server does with the app before it serves: gunicorn's (``fieldapp.wsgi``) and the
development server's (``fieldapp serve --dev``) alike."""
from flask import Flask

from fieldapp.audit.background import start_background_sequencer
from fieldapp.auth.row_security import check_acting_role
from fieldapp.crypto.keys import check_signing_keys


def server_start(app: Flask) -> Flask:
    """Check the database role and the signing keys, and start the log's sequencer thread."""
    check_acting_role(app)  # the server (not the CLI, whose migrations run as the owner) must be under RLS
    check_signing_keys(app)  # production: the operator made the signing keys (fieldapp keys rotate)
    start_background_sequencer(app)
    return app
