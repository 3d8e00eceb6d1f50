"""Reference routes for the check-in benchmark (``checkin_throughput.py --references``): how fast
could a check-in be in this stack at all? Served instead of ``fieldapp.wsgi:app``, never in
production.

- ``POST /bench/signed-in-commit``: the least a signed-in write does here: the rate limit, the
  token check (which sets the row-level security area), parse the JSON body, commit, answer JSON.
  No validation, no signature, no insert (so the commit flushes nothing to the WAL).
- ``POST /bench/lean-checkin``: a session check-in with the service's own checks (token, signature,
  time, scope, geofence: the same functions) and its own one-statement insert (check-in, log entry,
  queue row), but run on the raw psycopg connection with prepared statements, without flask-smorest,
  webargs, marshmallow or the ORM at run time; session codes only, and no replay handling (every
  request of the benchmark is new). It answers what a rewrite of the endpoint for speed would buy.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from flask import g, jsonify, request
from sqlalchemy.dialects import postgresql

from fieldapp import create_app
from fieldapp.audit.background import start_background_sequencer
from fieldapp.audit.formats import canonical
from fieldapp.auth.caller import Caller, bearer_token, current_caller
from fieldapp.auth.row_security import area_of, area_set
from fieldapp.clock import utcnow
from fieldapp.extensions import csrf, db
from fieldapp.geo import LatLon
from fieldapp.models.users import Role
from fieldapp.qr import signing
from fieldapp.services import checkins
from fieldapp.services.idempotency import request_digest
from fieldapp.services.tokens import _caller_statement, token_digest

app = create_app()
_DIALECT = postgresql.psycopg.dialect()
#: The service's own statements, as SQL text for the driver.
_TOKEN_SQL = str(_caller_statement(postgresql=True, with_user=False).compile(dialect=_DIALECT))
_INSERT_SQL = str(checkins._INSERT_CHECKIN_AND_LOG.compile(dialect=_DIALECT))


@app.post("/bench/signed-in-commit")
def signed_in_commit():
    caller = current_caller()
    body = request.get_json()
    db.session.commit()
    return jsonify({"id": body["client_id"], "user": caller.user_id}), 201


@app.post("/bench/lean-checkin")
def lean_checkin():
    body = request.get_json()
    now = utcnow()
    driver = db.session.connection().connection.driver_connection
    row = driver.execute(_TOKEN_SQL, {"set_config_2": "fieldapp.area", "coalesce_1": "*", "set_config_3": True,
                                      "digest": token_digest(bearer_token() or ""), "kind": "api", "now": now},
                         prepare=True).fetchone()
    if row is None:
        return jsonify({"error_code": "auth.token_invalid"}), 401
    caller = Caller(user_id=row[0], role=Role(row[1]), unit_code=row[2], province_code=row[3] or row[2])
    area_set(area_of(caller), applied=True)
    client_id = str(uuid.UUID(body["client_id"]))
    scanned_at = datetime.fromisoformat(body["scanned_at"])
    gps = body["gps"]
    judgement = checkins.Judgement()
    checkins.judge_time(judgement, scanned_at, now)
    scanned = signing.verify(body["payload"])
    session = checkins._session_in_scope(caller, scanned.public_id)
    if abs(scanned.step - signing.session_step(scanned_at.timestamp())) > 1:
        judgement.reasons.append("expired")
    distance = checkins.judge_place(judgement, gps, session.venue, session.radius_m)
    flags, verdict = judgement.reasons or judgement.flags, judgement.verdict.value
    log_body = {"flags": flags, "target": "session", "target_id": scanned.public_id, "verdict": verdict}
    stored = driver.execute(_INSERT_SQL, {
        "client_id": client_id, "request_hash": request_digest({**body, "client_id": client_id}),
        "user_id": caller.user_id, "commune_code": session.commune_code, "target_kind": "session",
        "session_id": session.id, "household_id": None, "person_id": None, "key_id": scanned.key_id,
        "scanned_at": scanned_at, "received_at": now, "location": LatLon(gps["lat"], gps["lon"]).wkt(),
        "accuracy_m": gps.get("accuracy_m"), "mock_location": bool(gps.get("mock_location")),
        "distance_m": distance, "verdict": verdict, "flags": json.dumps(flags),
        "entry_log_unit": session.commune_code, "entry_actor_id": caller.user_id,
        "entry_actor_role": caller.role.value, "entry_action": "checkin.create", "entry_object_type": "checkin",
        "entry_object_id": client_id, "entry_request_id": g.request_id, "entry_client_id": client_id,
        "entry_body": canonical(log_body).decode("utf-8"), "entry_created_at": now}, prepare=True).fetchone()
    db.session.commit()
    return jsonify({"id": client_id, "verdict": verdict, "flags": flags, "target": "session",
                    "distance_m": distance, "scanned_at": scanned_at.isoformat(),
                    "received_at": now.isoformat()}), 201 if stored else 200


csrf.exempt(signed_in_commit)
csrf.exempt(lean_checkin)
start_background_sequencer(app)
