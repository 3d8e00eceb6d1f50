"""WSGI entry point for gunicorn: ``gunicorn fieldapp.wsgi:app``."""
from fieldapp import create_app
from fieldapp.audit.background import start_background_sequencer

app = create_app()
start_background_sequencer(app)
