"""WSGI entry point for gunicorn: ``gunicorn -c python:fieldapp.serving.gunicorn_conf fieldapp.wsgi:app``.

Importing it checks the database and the keys, warms the app and starts its activity-log sequencer
(:func:`~fieldapp.serving.startup.server_start`); with fieldapp's gunicorn configuration that happens
once, in the master, and each worker forked from it gets its own (gunicorn_conf's hooks).
"""
from fieldapp import create_app
from fieldapp.serving.startup import server_start

app = server_start(create_app())
