"""WSGI entry point for gunicorn: ``gunicorn fieldapp.wsgi:app``."""
from fieldapp import create_app
from fieldapp.audit.background import start_background_sequencer
from fieldapp.auth.row_security import check_acting_role
from fieldapp.crypto.keys import check_signing_keys

app = create_app()
check_acting_role(app)  # the server (not the CLI, whose migrations run as the owner) must be under RLS
check_signing_keys(app)  # production: the operator made the signing keys (fieldapp keys rotate)
start_background_sequencer(app)
