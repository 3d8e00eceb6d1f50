"""Benchmark (issue 4): a mentor's network (its tree's depth and reach) on PostGIS.

Seeds, in SQL, 100,000 ambassadors and 500,000 mentees (residents of the registry) spread over
communes, as the rule "mentor and mentee live in one commune" makes them: in each commune a few root
ambassadors, each ambassador promoted from a resident trained by their parent (branching factor 5),
and every other resident the mentee of one ambassador of the commune (completed, active or dropped).
Then it times whole requests through the app (routing, token, queries, serialisation; no network):

- ``GET /ambassadors/{id}/network`` by the mentor, for mentors at each depth of their tree;
- the recursive reach/depth query alone (``tree_stats``), for the same mentors;
- ``GET /ambassadors?commune=&under_target=true`` (the list to act on) and ``GET /ambassadors/summary``
  by an officer of one commune.

    .venv/bin/python bench/ambassador_network.py --database-url "$(scripts/postgres-ready | tail -1)"

``--communes 1`` puts the whole network in one commune (a tree of 25,000 ambassadors under each of
its roots): not a shape the field can produce, but it shows how the query scales with a tree's size.
"""
from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import drop_database, fresh_database, make_app, serving_app, summary  # noqa: E402

ORIGIN_LIST = ", ".join(f"'{o}'" for o in ("youth_union", "womens_union", "school", "enterprise", "officials",
                                            "other"))


def seed(app, *, ambassadors: int, mentees: int, communes: int, roots: int, branching: int):
    """Returns the number of ambassadors per commune."""
    from fieldapp.extensions import db
    from fieldapp.services.units import units_import

    started = time.perf_counter()
    per = ambassadors // communes
    mentees_per = mentees // communes
    if per - roots > mentees_per:
        raise SystemExit("more promoted ambassadors than mentees in a commune")
    with app.app_context():
        units_import()
        db.session.commit()
        with db.engine.begin() as conn:
            run = lambda sql, **params: conn.execute(sa.text(sql), params)  # noqa: E731
            run("""CREATE TABLE bench_communes AS SELECT (row_number() OVER (ORDER BY code) - 1)::int AS idx, code
                   FROM units WHERE level = 'commune' ORDER BY code LIMIT :n""", n=communes)
            # Ambassador g: local number g % per in commune g / per; heap-shaped tree within the commune.
            run("""CREATE TABLE bench_amb AS
                   SELECT g, g % :per AS local, c.code AS commune,
                          CASE WHEN g % :per >= :roots THEN (g / :per) * :per + (g % :per - :roots) / :b END AS parent_g
                   FROM generate_series(0, :a - 1) g JOIN bench_communes c ON c.idx = g / :per""",
                per=per, roots=roots, b=branching, a=per * communes)
            run("""INSERT INTO users (phone, full_name, name_folded, password_hash, role, unit_code, is_active,
                                      created_at)
                   SELECT '+849' || lpad(g::text, 8, '0'), 'Đại Sứ ' || g, 'dai su ' || g, 'not-a-hash', 'volunteer',
                          commune, true, now() FROM bench_amb ORDER BY g""")
            run("ALTER TABLE bench_amb ADD COLUMN user_id int")
            run("UPDATE bench_amb b SET user_id = u.id FROM users u WHERE u.phone = '+849' || lpad(b.g::text, 8, '0')")
            run("CREATE UNIQUE INDEX ON bench_amb (g)")
            run("""INSERT INTO villages (commune_code, name, name_folded, kind, created_at)
                   SELECT code, 'Xóm 1', 'xom 1', 'xóm', now() FROM bench_communes""")
            run("""INSERT INTO households (public_id, commune_code, village_id, address, is_poor, is_ethnic_minority,
                                           is_remote, created_at)
                   SELECT 'H' || lpad(to_hex(v.id * 1000000 + h), 10, '0'), v.commune_code, v.id, 'Nhà số ' || h,
                          false, false, false, now()
                   FROM villages v JOIN bench_communes c ON c.code = v.commune_code,
                        generate_series(1, (:m + 3) / 4) h""", m=mentees_per)
            run("""INSERT INTO persons (public_id, household_id, commune_code, village_id, full_name, name_folded,
                                        birth_year, is_head, has_disability, is_ethnic_minority, created_at)
                   SELECT 'P' || lpad(to_hex(h.id * 4 + k), 10, '0'), h.id, h.commune_code, h.village_id,
                          'Người Học ' || k, 'nguoi hoc ' || k, 1950 + (h.id + k) % 60, k = 1, false, false, now()
                   FROM households h, generate_series(1, 4) k""")
            # Each commune's residents numbered 0.. : the first (per - roots) became its promoted ambassadors.
            run("""CREATE TABLE bench_mentee AS
                   SELECT p.id AS person_id, c.idx AS cidx,
                          (row_number() OVER (PARTITION BY p.commune_code ORDER BY p.id) - 1)::int AS rn
                   FROM persons p JOIN bench_communes c ON c.code = p.commune_code""")
            run("DELETE FROM bench_mentee WHERE rn >= :m", m=mentees_per)
            run("CREATE INDEX ON bench_mentee (cidx, rn)")
            run("""INSERT INTO ambassadors (user_id, commune_code, origin, appointed_at, promoted_from_person_id,
                                            trained_by_user_id)
                   SELECT a.user_id, a.commune, (ARRAY[{ORIGIN_LIST}])[1 + a.g % 6],
                          now() - interval '400 days' + a.local * interval '1 hour',
                          m.person_id, p.user_id
                   FROM bench_amb a
                   LEFT JOIN bench_mentee m ON a.local >= :roots AND m.cidx = a.g / :per AND m.rn = a.local - :roots
                   LEFT JOIN bench_amb p ON p.g = a.parent_g""".replace("{ORIGIN_LIST}", ORIGIN_LIST),
                roots=roots, per=per)
            # A promoted resident's mentorship was completed with the parent; every other resident has a
            # mentor drawn from the commune: 50% completed, 35% active, 15% dropped.
            run("""INSERT INTO mentorships (public_id, commune_code, mentor_user_id, mentee_person_id, status,
                                            started_at, ended_at)
                   SELECT 'M' || lpad(to_hex(m.person_id), 10, '0'), c.code, mentor.user_id, m.person_id, s.status,
                          now() - interval '300 days',
                          CASE WHEN s.status <> 'active' THEN now() - interval '10 days' END
                   FROM bench_mentee m JOIN bench_communes c ON c.idx = m.cidx
                   JOIN bench_amb mentor ON mentor.g = CASE
                        WHEN m.rn < :per - :roots THEN m.cidx * :per + (m.rn / :b)
                        ELSE m.cidx * :per + (hashint4(m.person_id) & 2147483647) % :per END
                   CROSS JOIN LATERAL (SELECT CASE WHEN m.rn < :per - :roots THEN 'completed'
                        WHEN (hashint4(m.person_id + 7) & 2147483647) % 100 < 50 THEN 'completed'
                        WHEN (hashint4(m.person_id + 7) & 2147483647) % 100 < 85 THEN 'active'
                        ELSE 'dropped' END AS status) s""", per=per, roots=roots, b=branching)
            run("""INSERT INTO mentorship_skills (mentorship_id, commune_code, skill, reached_at)
                   SELECT m.id, m.commune_code, s.skill, CASE WHEN m.status = 'completed' THEN m.ended_at END
                   FROM mentorships m
                   CROSS JOIN (VALUES ('online_public_services'), ('cashless_payment')) s(skill)""")
            run("""INSERT INTO mentoring_interactions (mentorship_id, commune_code, method, occurred_at, evidence_ref,
                                                       recorded_by, recorded_at)
                   SELECT id, commune_code, 'visit', started_at + interval '1 day', NULL, mentor_user_id,
                          started_at + interval '1 day'
                   FROM mentorships WHERE status <> 'dropped'""")
            run("ANALYZE")
        counts = db.session.execute(sa.text(
            "SELECT (SELECT count(*) FROM ambassadors), (SELECT count(*) FROM mentorships), "
            "(SELECT count(*) FROM persons)")).one()
        db.session.rollback()
    print(f"  seeded {counts[0]:,} ambassadors, {counts[1]:,} mentorships ({counts[2]:,} residents) in "
          f"{communes} communes ({per} ambassadors and {mentees_per} mentees each, {roots} roots, branching "
          f"{branching}) in {time.perf_counter() - started:.0f} s")
    return per


def heap_depth(local: int, roots: int, branching: int) -> int:
    depth = 0
    while local >= roots:
        local = (local - roots) // branching
        depth += 1
    return depth


def tokens_for(app, user_ids: list[int]) -> dict[int, dict]:
    """Bearer tokens made directly (the password check is not what is measured)."""
    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.models import AuthToken
    from fieldapp.selectors.tokens import token_digest

    headers = {}
    with app.app_context():
        for user_id in user_ids:
            token = secrets.token_urlsafe(32)
            db.session.add(AuthToken(user_id=user_id, token_hash=token_digest(token), created_at=utcnow(),
                                     expires_at=utcnow() + timedelta(days=1)))
            headers[user_id] = {"Authorization": f"Bearer {token}"}
        db.session.commit()
    return headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (the figure is for PostGIS)")
    parser.add_argument("--ambassadors", type=int, default=100_000)
    parser.add_argument("--mentees", type=int, default=500_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--roots", type=int, default=4, help="root ambassadors per commune")
    parser.add_argument("--branching", type=int, default=5)
    parser.add_argument("--mentors-per-depth", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200, help="requests per depth")
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    try:
        app = make_app(url)
        seed(app, ambassadors=args.ambassadors, mentees=args.mentees, communes=args.communes, roots=args.roots,
             branching=args.branching)
        from fieldapp.extensions import db
        from fieldapp.selectors.network import tree_stats

        with app.app_context():
            rows = db.session.execute(sa.text("SELECT local, user_id FROM bench_amb ORDER BY g")).all()
            db.session.rollback()
        by_depth: dict[int, list[int]] = {}
        for local, user_id in rows:
            by_depth.setdefault(heap_depth(local, args.roots, args.branching), []).append(user_id)
        client = serving_app(app).test_client()
        all_samples, all_selector = [], []
        for depth in sorted(by_depth):
            step = max(1, len(by_depth[depth]) // args.mentors_per_depth)
            mentors = by_depth[depth][::step][:args.mentors_per_depth]
            headers = tokens_for(app, mentors)
            for user_id in mentors:  # warm up
                assert client.get(f"/api/v1/ambassadors/{user_id}/network", headers=headers[user_id]).status_code == 200
            samples, selector, reaches, depths = [], [], [], []
            for run in range(args.runs):
                user_id = mentors[run % len(mentors)]
                started = time.perf_counter()
                response = client.get(f"/api/v1/ambassadors/{user_id}/network", headers=headers[user_id])
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_json()
                tree = response.get_json()["tree"]
                reaches.append(tree["reach"])
                depths.append(tree["depth"])
                with app.app_context():
                    started = time.perf_counter()
                    tree_stats(user_id)
                    selector.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
            all_samples += samples
            all_selector += selector
            print(f"  mentors at depth {depth} ({len(by_depth[depth]):,} such, {len(mentors)} sampled; tree below: "
                  f"reach {min(reaches):,}–{max(reaches):,}, depth {min(depths)}–{max(depths)}):")
            print(f"      GET /ambassadors/{{id}}/network  {summary(samples)}")
            print(f"      reach/depth query alone          {summary(selector)}")
        print(f"  all depths: GET network {summary(all_samples)}; reach/depth query {summary(all_selector)}")
        with app.app_context():
            from fieldapp.models import Role
            from tests.factories import make_user

            commune = db.session.execute(sa.text("SELECT code FROM bench_communes WHERE idx = 0")).scalar()
            officer_id = make_user(role=Role.commune_officer, unit_code=commune, phone="+84977000001").id
        officer = tokens_for(app, [officer_id])[officer_id]
        for label, path in (("under-target list", f"/api/v1/ambassadors?commune={commune}&under_target=true"),
                            ("summary by origin", f"/api/v1/ambassadors/summary?commune={commune}")):
            for _ in range(10):
                assert client.get(path, headers=officer).status_code == 200
            samples = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(path, headers=officer)
                samples.append((time.perf_counter() - started) * 1000)
            body = response.get_json()
            shown = f"{body['total']} under target" if "total" in body else f"{body['ambassadors']} ambassadors"
            print(f"  GET {path.split('?')[0].removeprefix('/api/v1')} ({label}, {shown} in the commune): "
                  f"{summary(samples)}")
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
