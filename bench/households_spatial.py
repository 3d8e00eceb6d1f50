"""Benchmark (issue 3): the volunteer's worklist and the near= search, server time on PostGIS.

Seeds, in SQL, 1,000,000 households over 100 communes (10,000 each, within ~4 km of each commune's
centroid), assigns 300 households of one commune to a volunteer (with 4 members each and some
skills), then times whole requests through the app (routing, auth, query, serialisation; no network):

- GET /me/worklist?lat=&lon= for that volunteer (300 assigned, nearest first, page of 50);
- GET /households?near=lat,lon&radius_m=500 for a commune officer (1,000,000 in the table).

    .venv/bin/python bench/households_spatial.py --database-url "$(scripts/postgres-ready | tail -1)"
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import drop_database, fresh_database, make_app, serving_app, summary  # noqa: E402

COMMUNE = "17395"


def seed(app, households: int, communes: int, assigned: int):
    from fieldapp.extensions import db
    from fieldapp.models import Role
    from fieldapp.services.units import units_import
    from tests.factories import make_team, make_user

    started = time.perf_counter()
    with app.app_context():
        units_import()
        db.session.commit()
        codes = [COMMUNE] + [c for (c,) in db.session.execute(sa.text(
            "SELECT code FROM units WHERE level = 'commune' AND code <> :c ORDER BY code LIMIT :n"),
            {"c": COMMUNE, "n": communes - 1})]
        per_commune = households // communes
        with db.engine.begin() as conn:
            for code in codes:
                conn.execute(sa.text("INSERT INTO villages (commune_code, name, name_folded, kind, created_at) "
                                     "VALUES (:c, 'Xóm 1', 'xom 1', 'xóm', now())"), {"c": code})
            conn.execute(sa.text("""
                INSERT INTO households (public_id, commune_code, village_id, address, location, is_poor,
                                        is_ethnic_minority, is_remote, created_at)
                SELECT 'H' || lpad(to_hex(v.id * 100000 + g), 10, '0'), v.commune_code, v.id, 'Nhà số ' || g,
                       ST_SetSRID(ST_MakePoint(ST_X(u.centroid) + (random() - 0.5) * 0.07,
                                               ST_Y(u.centroid) + (random() - 0.5) * 0.07), 4326),
                       random() < 0.1, random() < 0.15, random() < 0.05, now()
                FROM villages v JOIN units u ON u.code = v.commune_code, generate_series(1, :n) g
            """), {"n": per_commune})
            conn.execute(sa.text("ANALYZE households"))
        print(f"  seeded {households:,} households in {len(codes)} communes in {time.perf_counter() - started:.0f} s")

        volunteer = make_user(role=Role.volunteer, unit_code=COMMUNE, phone="+84988000001")
        officer = make_user(role=Role.commune_officer, unit_code=COMMUNE, phone="+84988000002")
        team = make_team(members=[volunteer])
        with db.engine.begin() as conn:
            conn.execute(sa.text("""
                INSERT INTO assignments (household_id, commune_code, volunteer_id, team_id, assigned_at)
                SELECT id, commune_code, :v, :t, now() FROM households WHERE commune_code = :c
                ORDER BY random() LIMIT :n
            """), {"v": volunteer.id, "t": team.id, "c": COMMUNE, "n": assigned})
            conn.execute(sa.text("""
                INSERT INTO persons (public_id, household_id, commune_code, village_id, full_name, name_folded,
                                     birth_year, is_head, has_disability, is_ethnic_minority, created_at)
                SELECT 'P' || lpad(to_hex(h.id * 10 + g), 10, '0'), h.id, h.commune_code, h.village_id,
                       'Nguyễn Văn ' || g, 'nguyen van ' || g, 1950 + (h.id + g) % 60, g = 1, false, false, now()
                FROM households h JOIN assignments a ON a.household_id = h.id, generate_series(1, 4) g
            """))
            conn.execute(sa.text("""
                INSERT INTO person_skills (person_id, commune_code, skill, recorded_at, evidence_kind)
                SELECT p.id, p.commune_code, s.skill, now(), 'visit' FROM persons p
                JOIN (VALUES ('cashless_payment'), ('online_safety')) s(skill) ON p.id % 3 = 0
            """))
            conn.execute(sa.text("ANALYZE"))
        return volunteer.phone, officer.phone


def timed(client, path, headers, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (the figure is for PostGIS)")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--assigned", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    try:
        app = make_app(url)
        volunteer_phone, officer_phone = seed(app, args.households, args.communes, args.assigned)
        client = serving_app(app).test_client()

        def login(phone):
            token = client.post("/api/v1/auth/token", json={"phone": phone, "password": "mat-khau-8"}).get_json()
            return {"Authorization": f"Bearer {token['access_token']}"}

        with app.app_context():
            from fieldapp.extensions import db

            centre = db.session.execute(sa.text("SELECT ST_Y(centroid), ST_X(centroid) FROM units WHERE code = :c"),
                                        {"c": COMMUNE}).one()
        rng = random.Random(7)
        lat, lon = centre[0] + rng.uniform(-0.01, 0.01), centre[1] + rng.uniform(-0.01, 0.01)
        volunteer, officer = login(volunteer_phone), login(officer_phone)
        worklist = f"/api/v1/me/worklist?lat={lat}&lon={lon}"
        near = f"/api/v1/households?near={lat},{lon}&radius_m=500"
        timed(client, worklist, volunteer, 10), timed(client, near, officer, 10)  # warm caches
        worklist_times = timed(client, worklist, volunteer, args.runs)
        print(f"  worklist ({args.assigned} assigned, page of 50): {summary(worklist_times)}")
        count = client.get(near, headers=officer).get_json()["total"]
        print(f"  near= 500 m over {args.households:,} households ({count} found, page of 50): "
              f"{summary(timed(client, near, officer, args.runs))}")
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
