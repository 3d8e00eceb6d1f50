"""Where a request's time goes in PostgreSQL: every statement it runs, EXPLAIN ANALYZE'd as the runtime
role under row-level security (issue 19, item 2: a figure that grows with the scale is looked at here).

The request is made in-process through the app as production serves it (the runtime role, its area
set by the token), on a database a ``bench/harness.py --keep`` run left; each statement it sent is
recorded, then replayed in one transaction, in order, on a connection acting as the same role, with
``EXPLAIN (ANALYZE, BUFFERS)`` in front of each query (the area settings and savepoints run as they
were); the transaction is rolled back. The slowest statements are printed with their plans.

    .venv/bin/python bench/explain.py --database-url URL --path /api/v1/sync/pull
    .venv/bin/python bench/explain.py --database-url URL --as commune_officer \\
        --path "/api/v1/indicators?unit={commune}&period=2026-Q3"
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import make_app, serving_app  # noqa: E402

EXPLAINED = re.compile(r"^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b", re.I)
PLAIN = re.compile(r"^\s*(SELECT set_config|SET |SAVEPOINT|RELEASE|ROLLBACK TO)", re.I)


def replay(raw, recorded) -> list[tuple[float, int, str, str]]:
    """The recorded statements run again in order, each query under EXPLAIN ANALYZE: (ms, number,
    statement, plan) for each query."""
    timings = []
    cursor = raw.cursor()
    for number, (statement, parameters) in enumerate(recorded):
        if PLAIN.match(statement) or not EXPLAINED.match(statement):
            cursor.execute(statement, parameters)
            continue
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        took = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        planning = re.search(r"Planning Time: ([\d.]+) ms", plan)
        timings.append((took + (float(planning.group(1)) if planning else 0), number, statement, plan))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database bench/harness.py --keep left")
    parser.add_argument("--as", dest="role", default="volunteer", choices=("volunteer", "commune_officer"))
    parser.add_argument("--commune", help="default: the province's middle commune")
    parser.add_argument("--path", required=True, help="{commune} is replaced")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", help="JSON")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()

    from fieldapp.clock import utcnow
    from fieldapp.selectors.tokens import token_digest

    app = make_app(args.database_url)
    owner = sa.create_engine(args.database_url)
    with owner.begin() as conn:
        communes = list(conn.execute(sa.text(
            "SELECT DISTINCT unit_code FROM users WHERE role = 'volunteer' ORDER BY 1")).scalars())
        commune = args.commune or communes[len(communes) // 2]
        user_id = conn.execute(sa.text("SELECT min(id) FROM users WHERE role = :r AND unit_code = :c"),
                               {"r": args.role, "c": commune}).scalar()
        token = secrets.token_urlsafe(32)
        now = utcnow()
        conn.execute(sa.text("INSERT INTO auth_tokens (user_id, token_hash, kind, created_at, expires_at) "
                             "VALUES (:u, :h, 'api', :t0, :t1)"),
                     {"u": user_id, "h": token_digest(token), "t0": now, "t1": now + timedelta(hours=1)})
    served = serving_app(app)
    role = served.config["DATABASE_ROLE"]
    client = served.test_client()
    path = args.path.replace("{commune}", commune)
    headers = {"Authorization": f"Bearer {token}"}
    body = json.loads(args.body) if args.body else None
    client.open(path, method=args.method, headers=headers, json=body)  # warm: caches, first connection

    from fieldapp.extensions import db

    recorded: list[tuple[str, object]] = []
    with served.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            recorded.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    began = time.perf_counter()
    answer = client.open(path, method=args.method, headers=headers, json=body)
    wall = (time.perf_counter() - began) * 1000
    sa.event.remove(engine, "before_cursor_execute", record)
    print(f"{args.method} {path} as the {args.role} of {commune}: {answer.status_code} in {wall:.1f} ms "
          f"(in-process), {len(recorded)} statements")

    raw = owner.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f'SET ROLE "{role}"')
        raw.commit()
        # Twice, the second one kept: a new connection's first statements also fill its caches.
        for _ in range(2):
            timings = replay(raw, recorded)
            raw.rollback()
    finally:
        raw.close()
    total = sum(t[0] for t in timings)
    print(f"in PostgreSQL (planning + execution, as {role}): {total:.1f} ms over {len(timings)} queries")
    for took, number, statement, plan in sorted(timings, reverse=True)[: args.top]:
        print(f"\n--- statement {number}: {took:.2f} ms\n{statement.strip()[:1500]}\n{plan}")
    owner.dispose()


if __name__ == "__main__":
    main()
