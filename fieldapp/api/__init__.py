"""HTTP API under /api/v1: parse and validate, call one service or selector, dump the result."""
from fieldapp.api import activity, auth, health, me, units, users

BLUEPRINTS = [health.blp, auth.blp, me.blp, units.blp, users.blp, activity.blp]
