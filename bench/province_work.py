"""What the harness (bench/harness.py) adds to bench/province.py's province so that its people can use
the API: the volunteers' worklists, the plate scans of their visits, the activity log of all that
history, and, just before measuring, sessions running now with their signed codes and bearer tokens.

In set-based SQL like bench/province.py (whose functions are unchanged: bench/indicators.py uses them).
The same number of communes, accounts and teams at every scale; what grows with the scale is the
households, people, visits, check-ins, support records and log entries, so that a request of the same
size (the same worklist of ``WORKLIST`` households, the same commune's quarter) can be compared across
scales.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from bench.province import Steps

#: Households on the worklist of each commune's first volunteer (the one the harness signs in as): the
#: same at every scale, so that the worklist and the pull measured are the same size. The commune's
#: other households are shared among its other volunteers.
WORKLIST = 60
#: Sessions running now in each commune, for the check-ins: each volunteer checks in once to each, so
#: communes x volunteers x sessions distinct check-ins can be sent (102 x 18 x 90 = 165,240).
LIVE_SESSIONS = 90


def seed_work(app) -> None:
    """Assignments, the plate check-ins of the visits made with a plate scan, and the activity log of
    every visit and check-in (entries, Merkle leaves and subtree nodes, per commune's log; synthetic
    hashes, as bench/audit_append.py seeds them: sizes and indexes are what an append depends on)."""
    from fieldapp.extensions import db

    with app.app_context():
        steps = Steps(7, "worklists, plate scans, activity log", worklist=WORKLIST)
        with db.engine.begin() as conn:
            # Every session has a venue (the API requires one, and a phone's pull dumps it); the generated
            # ones are put at their commune's centroid.
            steps.run(conn, "session venues", """
                UPDATE learning_sessions s SET venue = u.centroid FROM units u
                WHERE u.code = s.commune_code AND s.venue IS NULL
            """)
            steps.run(conn, "assignments", """
                WITH vol AS (SELECT unit_code, array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'volunteer'
                             GROUP BY unit_code),
                     hh AS (SELECT id, commune_code, row_number() OVER (PARTITION BY commune_code ORDER BY id) AS n
                            FROM households),
                     chosen AS (SELECT hh.id, hh.commune_code, CASE WHEN hh.n <= :worklist THEN vol.ids[1]
                                                   ELSE vol.ids[2 + hh.n % (array_length(vol.ids, 1) - 1)] END AS v
                                FROM hh JOIN vol ON vol.unit_code = hh.commune_code)
                INSERT INTO assignments (household_id, commune_code, volunteer_id, team_id, assigned_at)
                SELECT c.id, c.commune_code, c.v, tm.team_id, timestamptz '2024-12-01'
                FROM chosen c JOIN team_members tm ON tm.user_id = c.v
            """)
            # A visit proved by the household's plate was a scan of it: a household check-in (its reporting
            # quarter, period_at, is when it was received, as for any check-in without a session).
            steps.run(conn, "plate check-ins", """
                INSERT INTO checkins (client_id, request_hash, user_id, commune_code, target_kind, household_id,
                                      scanned_at, received_at, period_at, location, mock_location, distance_m,
                                      accuracy_m, verdict, flags, evidence_status)
                SELECT 'p-' || v.client_id, v.request_hash, v.volunteer_id, v.commune_code, 'household',
                       v.household_id, v.visited_at, v.received_at, v.received_at, v.location, false, 8, 10,
                       'verified', '[]'::json, 'counted'
                FROM visits v WHERE v.flags::text NOT LIKE '%no_plate_scan%'
            """)
            steps.run(conn, "log entries", """
                INSERT INTO activity_entries (log_unit, actor_id, actor_role, action, object_type, object_id,
                                              client_id, body, created_at)
                SELECT log_unit, actor_id, 'volunteer', action, object_type, object_id, client_id, '{}', at
                FROM (SELECT commune_code AS log_unit, volunteer_id AS actor_id, 'visit.create' AS action,
                             'visit' AS object_type, public_id AS object_id, client_id, received_at AS at FROM visits
                      UNION ALL
                      SELECT commune_code, user_id, 'checkin.create', 'checkin', client_id, client_id, received_at
                      FROM checkins) e
                ORDER BY at
            """)
            steps.run(conn, "log leaves", """
                INSERT INTO activity_leaves (log_unit, seq, entry_id, leaf_hash, sequenced_at)
                SELECT log_unit, row_number() OVER (PARTITION BY log_unit ORDER BY id) - 1, id,
                       sha256(id::text::bytea), created_at
                FROM activity_entries
            """)
            steps.run(conn, "log subtree nodes", """
                INSERT INTO activity_nodes (log_unit, level, index, hash)
                SELECT s.log_unit, l, i, sha256((s.log_unit || ':' || l || ':' || i)::bytea)
                FROM (SELECT log_unit, count(*) AS n FROM activity_leaves GROUP BY log_unit) s,
                     generate_series(1, 40) l, generate_series(0, (s.n >> l) - 1) i
            """)
            steps.run(conn, "analyse", "ANALYZE")
        steps.close()


@dataclass
class Live:
    """What the harness's requests need: per commune, its volunteers' tokens (the first one's worklist
    is ``WORKLIST`` households), its officer's token and the signed codes of its sessions running now."""

    tokens: dict[str, list[str]] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)
    venues: dict[str, tuple[float, float]] = field(default_factory=dict)


def go_live(app, *, hours: float = 6) -> Live:
    """Sessions running now in every commune (``LIVE_SESSIONS`` each, at the commune's centroid, for
    ``hours``), their signed codes (with the app's QR step: the harness sets a long one), and a bearer
    token for every volunteer and officer (issued in SQL, as a sign-in stores them: only the hash)."""
    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.qr import signing
    from fieldapp.selectors.tokens import token_digest

    live = Live()
    now = utcnow()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("""
                INSERT INTO learning_sessions (public_id, commune_code, village_id, team_id, kind, title, venue_name,
                                               venue, radius_m, starts_at, ends_at, topics, created_at)
                SELECT 'L' || upper(substr(md5(c.code || ':' || g || ':' || CAST(:t0 AS text)), 1, 15)), c.code,
                       (SELECT min(id) FROM villages WHERE commune_code = c.code),
                       (SELECT min(id) FROM teams WHERE commune_code = c.code), 'weekly_class',
                       'Lớp học kỹ năng số ' || g, 'Nhà văn hoá thôn', c.centroid, 150, :t0, :t1, '[]'::json, :t0
                FROM units c JOIN (SELECT DISTINCT unit_code FROM users WHERE role = 'volunteer') v
                     ON v.unit_code = c.code, generate_series(1, :n) g
            """), {"t0": now - timedelta(minutes=10), "t1": now + timedelta(hours=hours), "n": LIVE_SESSIONS})
            for code, public_id, lat, lon in conn.execute(sa.text(
                    "SELECT commune_code, public_id, ST_Y(venue), ST_X(venue) FROM learning_sessions "
                    "WHERE starts_at = :t0 ORDER BY commune_code, id"), {"t0": now - timedelta(minutes=10)}):
                live.codes.setdefault(code, []).append(public_id)
                live.venues[code] = (lat, lon)
            rows = []
            for user_id, code, role in conn.execute(sa.text(
                    "SELECT id, unit_code, role FROM users WHERE role IN ('volunteer', 'commune_officer') "
                    "ORDER BY unit_code, id")):
                token = secrets.token_urlsafe(32)
                rows.append({"u": user_id, "h": token_digest(token), "t0": now, "t1": now + timedelta(days=2)})
                if role == "volunteer":
                    live.tokens.setdefault(code, []).append(token)
                else:
                    live.officers[code] = token
            conn.execute(sa.text("INSERT INTO auth_tokens (user_id, token_hash, kind, created_at, expires_at) "
                                 "VALUES (:u, :h, 'api', :t0, :t1)"), rows)
        step = signing.session_step()
        live.codes = {code: [signing.qr_text("session", public_id, step=step) for public_id in ids]
                      for code, ids in live.codes.items()}
        db.session.commit()  # the signing key made by the first qr_text
    return live


def worklist_of(app, commune: str) -> list[dict]:
    """The households on the worklist of ``commune``'s first volunteer: public ids, signed plates,
    points and members (for sync pushes at them)."""
    from fieldapp.extensions import db
    from fieldapp.qr import signing

    with app.app_context():
        rows = db.session.execute(sa.text("""
            SELECT h.public_id, ST_Y(h.location), ST_X(h.location),
                   array_agg(p.public_id ORDER BY p.id) AS people
            FROM assignments a JOIN households h ON h.id = a.household_id JOIN persons p ON p.household_id = h.id
            WHERE a.volunteer_id = (SELECT min(id) FROM users WHERE role = 'volunteer' AND unit_code = :c)
              AND a.ended_at IS NULL
            GROUP BY h.id, h.commune_code ORDER BY h.id  -- the whole key: (id, commune_code)
        """), {"c": commune}).all()
        return [{"id": public_id, "plate": signing.qr_text("household", public_id), "lat": lat, "lon": lon,
                 "people": list(people)} for public_id, lat, lon, people in rows]
