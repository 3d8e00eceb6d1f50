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
- ``POST /bench/batched-checkin``: the lean check-in, but its insert is handed to a writer thread
  of the process, which writes whatever check-ins are waiting in one statement and one commit
  (group commit, as Trillian sequences a queue in batches), then answers each request. Worth
  measuring under gunicorn's threaded workers (``--worker-class gthread``), where requests of one
  process wait together; with sync workers every batch holds one check-in.
"""
from __future__ import annotations

import json
import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import g, jsonify, request
from sqlalchemy.dialects import postgresql

from fieldapp import create_app
from fieldapp.audit.background import start_background_sequencer
from fieldapp.audit.formats import canonical
from fieldapp.auth.access import bearer_token, current_caller
from fieldapp.auth.callers import Caller
from fieldapp.auth.row_security import area_of, area_set
from fieldapp.clock import utcnow
from fieldapp.extensions import csrf, db
from fieldapp.geo import LatLon
from fieldapp.models.users import Role
from fieldapp.qr import signing
from fieldapp.selectors.sessions import SessionFacts, session_facts_get
from fieldapp.selectors.tokens import caller_statement, token_digest
from fieldapp.services import checkins
from fieldapp.services import judgement as judging
from fieldapp.services.idempotency import request_digest

app = create_app()
_DIALECT = postgresql.psycopg.dialect()
#: The service's own statements, as SQL text for the driver.
_TOKEN_SQL = str(caller_statement(postgresql=True, with_user=False).compile(dialect=_DIALECT))
_INSERT_SQL = str(checkins._INSERT_CHECKIN_AND_LOG.compile(dialect=_DIALECT))


@app.post("/bench/signed-in-commit")
def signed_in_commit():
    caller = current_caller()
    body = request.get_json()
    db.session.commit()
    return jsonify({"id": body["client_id"], "user": caller.user_id}), 201


@dataclass
class _Judged:
    """A session check-in judged by the service's own functions, on the raw driver."""

    caller: Caller
    client_id: str
    request_hash: str
    scanned_at: datetime
    received_at: datetime
    gps: dict
    key_id: str
    session: SessionFacts
    distance: float | None
    flags: list[str]
    verdict: str
    log_body: str


def _judged(body: dict, driver) -> _Judged | None:
    """Token (on ``driver``, prepared), signature, time, scope and place; ``None`` for a bad token."""
    now = utcnow()
    row = driver.execute(_TOKEN_SQL, {"set_config_2": "fieldapp.area", "coalesce_1": "*", "set_config_3": True,
                                      "digest": token_digest(bearer_token() or ""), "kind": "api", "now": now},
                         prepare=True).fetchone()
    if row is None:
        return None
    caller = Caller(user_id=row[0], role=Role(row[1]), unit_code=row[2], province_code=row[3] or row[2])
    area_set(area_of(caller), applied=True)
    client_id = str(uuid.UUID(body["client_id"]))
    scanned_at = datetime.fromisoformat(body["scanned_at"])
    judgement = judging.Judgement()
    judging.judge_time(judgement, scanned_at, now)
    scanned = signing.verify(body["payload"])
    session = session_facts_get(caller=caller, public_id=scanned.public_id)
    judging.judge_session_time(judgement, step=scanned.step, scanned_at=scanned_at, starts_at=session.starts_at,
                               ends_at=session.ends_at)
    distance = judging.judge_place(judgement, body["gps"], session.venue, session.radius_m)
    flags, verdict = judgement.reasons or judgement.flags, judgement.verdict.value
    log_body = {"flags": flags, "target": "session", "target_id": scanned.public_id, "verdict": verdict}
    return _Judged(caller=caller, client_id=client_id, request_hash=request_digest({**body, "client_id": client_id}),
                   scanned_at=scanned_at, received_at=now, gps=body["gps"], key_id=scanned.key_id, session=session,
                   distance=distance, flags=flags, verdict=verdict, log_body=canonical(log_body).decode("utf-8"))


def _answer(judged: _Judged | None, stored: bool):
    if judged is None:
        return jsonify({"error_code": "auth.token_invalid"}), 401
    return jsonify({"id": judged.client_id, "verdict": judged.verdict, "flags": judged.flags, "target": "session",
                    "distance_m": judged.distance, "scanned_at": judged.scanned_at.isoformat(),
                    "received_at": judged.received_at.isoformat()}), 201 if stored else 200


@app.post("/bench/lean-checkin")
def lean_checkin():
    driver = db.session.connection().connection.driver_connection
    judged = _judged(request.get_json(), driver)
    if judged is None:
        return _answer(None, False)
    gps, session, caller = judged.gps, judged.session, judged.caller
    stored = driver.execute(_INSERT_SQL, {
        "client_id": judged.client_id, "request_hash": judged.request_hash, "user_id": caller.user_id,
        "commune_code": session.commune_code, "target_kind": "session", "session_id": session.id,
        "household_id": None, "person_id": None, "key_id": judged.key_id, "scanned_at": judged.scanned_at,
        "received_at": judged.received_at, "location": LatLon(gps["lat"], gps["lon"]).wkt(),
        "accuracy_m": gps.get("accuracy_m"), "mock_location": bool(gps.get("mock_location")),
        "distance_m": judged.distance, "verdict": judged.verdict, "flags": json.dumps(judged.flags),
        "entry_log_unit": session.commune_code, "entry_actor_id": caller.user_id,
        "entry_actor_role": caller.role.value, "entry_action": "checkin.create", "entry_object_type": "checkin",
        "entry_object_id": judged.client_id, "entry_request_id": g.request_id, "entry_client_id": judged.client_id,
        "entry_body": judged.log_body, "entry_created_at": judged.received_at}, prepare=True).fetchone()
    db.session.commit()
    return _answer(judged, stored is not None)


#: One statement for a whole batch: the check-ins from arrays (unnest), their log entries and queue
#: rows; returns the client_ids stored (a conflicting one is left out, as in the endpoint). A
#: benchmark's shortcut: one client_id twice in a batch would be logged twice (wrk never sends one twice).
_BATCH_SQL = """
WITH data AS (
  SELECT * FROM unnest(%(client_id)s::varchar[], %(request_hash)s::varchar[], %(user_id)s::int[],
                       %(commune_code)s::varchar[], %(session_id)s::int[], %(key_id)s::varchar[],
                       %(scanned_at)s::timestamptz[], %(received_at)s::timestamptz[], %(location)s::text[],
                       %(accuracy_m)s::float8[], %(mock_location)s::bool[], %(distance_m)s::float8[],
                       %(verdict)s::varchar[], %(flags)s::text[], %(actor_role)s::varchar[],
                       %(request_id)s::varchar[], %(body)s::varchar[])
    AS t(client_id, request_hash, user_id, commune_code, session_id, key_id, scanned_at, received_at, location,
         accuracy_m, mock_location, distance_m, verdict, flags, actor_role, request_id, body)),
stored AS (
  INSERT INTO checkins (client_id, request_hash, user_id, commune_code, target_kind, session_id, key_id,
                        scanned_at, received_at, location, accuracy_m, mock_location, distance_m, verdict, flags)
  SELECT client_id, request_hash, user_id, commune_code, 'session', session_id, key_id, scanned_at, received_at,
         ST_GeomFromEWKT(location), accuracy_m, mock_location, distance_m, verdict, flags::json FROM data
  ON CONFLICT DO NOTHING RETURNING client_id),
entry AS (
  INSERT INTO activity_entries (log_unit, actor_id, actor_role, action, object_type, object_id, request_id,
                                client_id, body, created_at)
  SELECT d.commune_code, d.user_id, d.actor_role, 'checkin.create', 'checkin', d.client_id, d.request_id,
         d.client_id, d.body, d.received_at FROM stored JOIN data d USING (client_id)
  RETURNING id, log_unit),
queued AS (INSERT INTO activity_queue (entry_id, log_unit) SELECT id, log_unit FROM entry)
SELECT client_id FROM stored
"""


class _GroupWriter:
    """A writer thread per process: takes every check-in waiting, writes them in one transaction."""

    MAX_BATCH = 256

    def __init__(self):
        self.waiting: queue.Queue = queue.Queue()
        self.batches = 0
        threading.Thread(target=self._run, name="bench-group-writer", daemon=True).start()

    def write(self, row: dict) -> bool:
        item = {"row": row, "done": threading.Event(), "stored": None, "error": None}
        self.waiting.put(item)
        item["done"].wait()
        if item["error"] is not None:
            raise item["error"]
        return item["stored"]

    def _run(self):
        while True:
            batch = [self.waiting.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self.waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                stored = self._write([item["row"] for item in batch])
                for item in batch:
                    item["stored"] = item["row"]["client_id"] in stored
            except Exception as error:  # every waiting request gets the failure
                for item in batch:
                    item["error"] = error
            for item in batch:
                item["done"].set()

    def _write(self, rows: list[dict]) -> set[str]:
        self.batches += 1
        with app.app_context(), db.engine.begin() as connection:  # commits on leaving the block
            driver = connection.connection.driver_connection
            area = ",".join(sorted({row["commune_code"] for row in rows}))
            driver.execute("SELECT set_config('fieldapp.area', %s, true)", (area,))
            columns = {name: [row[name] for row in rows] for name in rows[0]}
            return {client_id for (client_id,) in driver.execute(_BATCH_SQL, columns, prepare=True)}


_writer = None


@app.post("/bench/batched-checkin")
def batched_checkin():
    global _writer
    if _writer is None:
        _writer = _GroupWriter()
    judged = _judged(request.get_json(), db.session.connection().connection.driver_connection)
    db.session.commit()  # this request's reads (token, session) end here: the writer does the write
    if judged is None:
        return _answer(None, False)
    gps, session = judged.gps, judged.session
    stored = _writer.write({
        "client_id": judged.client_id, "request_hash": judged.request_hash, "user_id": judged.caller.user_id,
        "commune_code": session.commune_code, "session_id": session.id, "key_id": judged.key_id,
        "scanned_at": judged.scanned_at, "received_at": judged.received_at,
        "location": LatLon(gps["lat"], gps["lon"]).wkt(), "accuracy_m": gps.get("accuracy_m"),
        "mock_location": bool(gps.get("mock_location")), "distance_m": judged.distance, "verdict": judged.verdict,
        "flags": json.dumps(judged.flags), "actor_role": judged.caller.role.value, "request_id": g.request_id,
        "body": judged.log_body})
    return _answer(judged, stored)


csrf.exempt(signed_in_commit)
csrf.exempt(lean_checkin)
csrf.exempt(batched_checkin)
start_background_sequencer(app)
