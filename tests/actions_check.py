"""The check of an activity-log entry against fieldapp/audit/actions.py (tests/conftest.py runs it
for every entry any test writes)."""
from __future__ import annotations

import json
import re

import click
from flask import current_app, has_request_context, request
from flask.cli import FlaskGroup

from fieldapp.audit.actions import ACTIONS


def route_of(rule: str) -> str:
    """``/households/<public_id:household_id>`` → ``/households/{household_id}``, as actions.md writes it."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def current_writer() -> str | None:
    """The route (``POST /api/v1/visits``) or command (``fieldapp demo load``) at work, if any."""
    if has_request_context() and request.url_rule is not None:
        return f"{request.method} {route_of(request.url_rule.rule)}"
    ctx = click.get_current_context(silent=True)
    names = []
    while ctx is not None:
        if not (isinstance(ctx.command, FlaskGroup) or ctx.command is current_app.cli):
            names.append(ctx.command.name)
        ctx = ctx.parent
    return "fieldapp " + " ".join(reversed(names)) if names else None


def entry_problems(values: dict) -> list[str]:
    action = values["action"]
    if action.startswith("test."):
        return []
    documented = ACTIONS.get(action)
    if documented is None:
        return [f"{action}: not a documented action"]
    problems = []
    if values["object_type"] not in documented.object_types:
        problems.append(f"{action}: object_type {values['object_type']!r}, documented {documented.object_types}")
    keys = set(json.loads(values["body"]))
    missing = set(documented.body) - keys
    unknown = keys - set(documented.body) - set(documented.optional)
    if missing or unknown:
        problems.append(f"{action}: body keys missing {sorted(missing)}, undocumented {sorted(unknown)}")
    writer = current_writer()
    if writer is not None and writer not in documented.by:
        problems.append(f"{action}: written by {writer}, which is not among its documented writers")
    return problems
