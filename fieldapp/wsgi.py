"""WSGI entry point for gunicorn: ``gunicorn fieldapp.wsgi:app``."""
from fieldapp import create_app
from fieldapp.audit.background import start_background_sequencer
from fieldapp.auth.row_security import check_acting_role

app = create_app()
check_acting_role(app)  # the server (not the CLI, whose migrations run as the owner) must be under RLS
start_background_sequencer(app)
