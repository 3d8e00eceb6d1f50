"""A realistic province generated in set-based SQL on PostgreSQL, for the benchmarks that need one.

The real unit list (``units_import``), ten villages per commune, households placed around their
commune's centroid, four people per household with Vietnamese names, sexes, birth years, the plans'
target and priority groups and skills (some held back), volunteers, team leaders and officers in
teams, a mentor network, weekly classes and one-stop desk sessions with attendees and check-ins,
door-to-door visits and the support records of all of them, over months of history, about 5 % held
back and 2 % rejected. Everything is written by ``INSERT ... SELECT`` from ``generate_series``
(minutes for a province of a million households, where the write path would take days); the
roll-ups are then built by the app's own ``tallies_rebuild``, so they are exactly what the write path
would have kept.

``seed_units`` once, then ``seed_history`` for each span of months (older spans can be added after
newer ones: the benchmarks measure a quarter before and after the history doubles).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

#: Households per scale (issue 19's ``--scale``); people are four per household and support records
#: ten per household over the whole history.
SCALES = {"small": 10_000, "medium": 100_000, "province": 1_000_000}
#: Đắk Lắk: 102 communes since the 2025 reform, about the hundred the benchmarks name.
PROVINCE = "66"
VILLAGES_PER_COMMUNE = 10
PEOPLE_PER_HOUSEHOLD = 4
VOLUNTEERS_PER_COMMUNE = 20
#: One argon2 hash for every generated account ("mat-khau-8"): hashing 2,000 would take minutes.
PASSWORD = "mat-khau-8"

# Vietnamese names: family names by frequency, middle names, given names.
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "H'", "Y", "Ksor", "Niê"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Xuân", "Thu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]

#: Vietnamese letters with their marks, and the same without (a name's folded form, as search reads it).
MARKED = ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
          "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
PLAIN = ("AAAAAAAAAAAAAAAAADEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYY"
         "aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy")

SKILLS_DIGITAL_FAMILY = ["online_public_services", "online_shopping", "cashless_payment", "online_safety",
                         "local_digital_platforms"]
SKILLS_OTHER = ["vneid_level2", "digital_bank_account", "online_documents", "internet_basics", "online_health_care"]


@dataclass
class Province:
    code: str
    communes: list[str]
    officer_phone: str
    province_officer_phone: str


def _sql_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(array: str, seed_expr: str) -> str:
    """SQL: an element of ``array`` chosen by a hash of ``seed_expr`` (repeatable)."""
    return f"({array})[1 + abs(hashtext(({seed_expr})::text)) % array_length({array}, 1)]"


class Steps:
    """A progress bar over the seed's named steps, each step's time printed."""

    def __init__(self, total: int, label: str, **params):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label, unit="step")
        self.started = time.perf_counter()
        self.params = params  # what every step's SQL may name

    def run(self, conn, name: str, sql: str, params=None) -> int:
        self.bar.set_postfix_str(name)
        began = time.perf_counter()
        rows = conn.execute(sa.text(sql), {**self.params, **(params or {})}).rowcount
        self.bar.write(f"  {name}: {rows:,} rows in {time.perf_counter() - began:.1f} s")
        self.bar.update(1)
        return rows

    def close(self):
        self.bar.close()
        return time.perf_counter() - self.started


def seed_units(app, *, households: int, province: str = PROVINCE) -> Province:
    """Units, villages, households, people and their skills, accounts, teams and the mentor network."""
    from fieldapp.extensions import db
    from fieldapp.services.passwords import password_hash
    from fieldapp.services.units import units_import

    with app.app_context():
        units_import()
        db.session.commit()
        communes = list(db.session.scalars(sa.text(
            "SELECT code FROM units WHERE parent_code = :p ORDER BY code"), {"p": province}))
        hashed = password_hash(PASSWORD)
        per_village = max(1, households // (len(communes) * VILLAGES_PER_COMMUNE))
        family, middle, given = _sql_array(FAMILY), _sql_array(MIDDLE), _sql_array(GIVEN)
        steps = Steps(15, f"province {province}: {len(communes)} communes, {households:,} households",
                      marked=MARKED, plain=PLAIN)
        with db.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = on"))
            steps.run(conn, "villages", """
                INSERT INTO villages (commune_code, name, name_folded, kind, created_at)
                SELECT u.code, 'Thôn ' || g, 'thon ' || g, 'thôn', now()
                FROM units u, generate_series(1, :n) g WHERE u.parent_code = :p ORDER BY u.code, g
            """, {"n": VILLAGES_PER_COMMUNE, "p": province})
            steps.run(conn, "households", """
                INSERT INTO households (public_id, commune_code, village_id, address, location, is_poor,
                                        is_ethnic_minority, is_remote, digital_family_at, created_at)
                SELECT 'H' || upper(lpad(to_hex(v.id * 1000000 + g), 11, '0')), v.commune_code, v.id,
                       'Số ' || g || ', ' || v.name,
                       ST_SetSRID(ST_MakePoint(ST_X(u.centroid) + (random() - 0.5) * 0.07,
                                               ST_Y(u.centroid) + (random() - 0.5) * 0.07), 4326),
                       random() < 0.10, random() < 0.30, random() < 0.08,
                       CASE WHEN random() < 0.35 THEN timestamptz '2025-06-01' + random() * interval '500 days' END,
                       timestamptz '2024-11-01'
                FROM villages v JOIN units u ON u.code = v.commune_code, generate_series(1, :n) g
                WHERE u.parent_code = :p
            """, {"n": per_village, "p": province})
            # Four people: the head (born 1950-1989), a spouse, a child and a grandparent or a pupil.
            steps.run(conn, "people", f"""
                INSERT INTO persons (public_id, household_id, commune_code, village_id, full_name, name_folded,
                                     birth_year, sex, is_head, has_disability, is_ethnic_minority, created_at,
                                     group_public_staff, group_pupils_students, group_enterprise_workers,
                                     group_residents)
                SELECT 'P' || upper(lpad(to_hex(h.id * 10 + g), 11, '0')), h.id, h.commune_code, h.village_id,
                       full_name, lower(unaccent_name), born, sex, g = 1, random() < 0.03, h.is_ethnic_minority,
                       timestamptz '2024-11-01',
                       born BETWEEN 1965 AND 2000 AND random() < 0.06,
                       born >= 2005,
                       born BETWEEN 1970 AND 2004 AND random() < 0.18,
                       born <= 2008
                FROM households h, generate_series(1, {PEOPLE_PER_HOUSEHOLD}) g,
                LATERAL (SELECT CASE g WHEN 1 THEN 1950 + (h.id % 40) WHEN 2 THEN 1952 + ((h.id * 7) % 40)
                                       WHEN 3 THEN 1990 + ((h.id * 13) % 30) ELSE 1940 + ((h.id * 17) % 80) END AS born,
                                CASE WHEN (h.id + g) % 2 = 0 THEN 'male' ELSE 'female' END AS sex) b,
                LATERAL (SELECT {_pick(family, "h.id")} || ' ' || {_pick(middle, "h.id * 10 + g")} || ' '
                                || {_pick(given, "h.id * 100 + g")} AS full_name) n,
                LATERAL (SELECT translate(full_name, :marked, :plain)
                                AS unaccent_name) f
            """)
            steps.run(conn, "Digital Family skills", f"""
                INSERT INTO person_skills (person_id, commune_code, skill, recorded_at, evidence_kind, status)
                SELECT p.id, p.commune_code, s.skill, timestamptz '2025-03-01' + (p.id % 600) * interval '1 day',
                       'visit',
                       CASE WHEN p.id % 23 = 0 THEN 'claimed' ELSE 'confirmed' END
                FROM persons p, unnest({_sql_array(SKILLS_DIGITAL_FAMILY)}) s(skill)
                WHERE p.id % 100 < 40 AND (p.id % 100 >= 5 OR s.skill <> 'online_safety')
            """)
            steps.run(conn, "other skills", f"""
                INSERT INTO person_skills (person_id, commune_code, skill, recorded_at, evidence_kind, status)
                SELECT p.id, p.commune_code, s.skill, timestamptz '2025-03-01' + (p.id % 600) * interval '1 day',
                       'visit', 'confirmed'
                FROM persons p, unnest({_sql_array(SKILLS_OTHER)}) WITH ORDINALITY s(skill, n)
                WHERE (p.id * 31 + n * 7) % 100 < 45
            """)
            steps.run(conn, "VNeID programme confirmations", """
                INSERT INTO person_skills (person_id, commune_code, skill, recorded_at, evidence_kind, status)
                SELECT p.id, p.commune_code, 'vneid_programme_confirmed', timestamptz '2025-09-01', 'import',
                       'confirmed'
                FROM persons p WHERE p.birth_year <= 2008 AND p.id % 100 BETWEEN 50 AND 69
            """)
            # Numbered people of each village and commune: picking the k-th is an index lookup, not an OFFSET.
            steps.run(conn, "people by village", """
                CREATE UNLOGGED TABLE bench_village_people AS
                SELECT village_id, row_number() OVER (PARTITION BY village_id ORDER BY id) AS n, id FROM persons
            """)
            steps.run(conn, "people by commune", """
                CREATE UNLOGGED TABLE bench_commune_people AS
                SELECT commune_code, row_number() OVER (PARTITION BY commune_code ORDER BY id) AS n, id, village_id
                FROM persons
            """)
            conn.execute(sa.text("ALTER TABLE bench_village_people ADD PRIMARY KEY (village_id, n)"))
            conn.execute(sa.text("ALTER TABLE bench_commune_people ADD PRIMARY KEY (commune_code, n)"))
            conn.execute(sa.text("CREATE UNLOGGED TABLE bench_sizes AS SELECT commune_code AS code, count(*) AS people "
                                 "FROM persons GROUP BY commune_code UNION ALL SELECT village_id::text, count(*) "
                                 "FROM persons GROUP BY village_id"))
            steps.run(conn, "accounts", """
                INSERT INTO users (phone, full_name, name_folded, password_hash, role, unit_code, is_active, created_at)
                SELECT '+8497' || lpad((row_number() OVER (ORDER BY u.code, g))::text, 7, '0'),
                       CASE WHEN g = 0 THEN 'Cán bộ xã ' ELSE 'Tình nguyện viên ' END || u.short_name || ' ' || g,
                       CASE WHEN g = 0 THEN 'can bo xa ' ELSE 'tinh nguyen vien ' END || u.name_folded || ' ' || g,
                       :hash, CASE WHEN g = 0 THEN 'commune_officer'
                              WHEN g <= 2 THEN 'team_leader' ELSE 'volunteer' END,
                       u.code, true, timestamptz '2024-11-01'
                FROM units u, generate_series(0, :v) g WHERE u.parent_code = :p
            """, {"hash": hashed, "v": VOLUNTEERS_PER_COMMUNE, "p": province})
            conn.execute(sa.text("""
                INSERT INTO users (phone, full_name, name_folded, password_hash, role, unit_code, is_active, created_at)
                VALUES ('+84960000001', 'Cán bộ tỉnh', 'can bo tinh', :hash, 'province_officer', :p, true, now())
            """), {"hash": hashed, "p": province})
            steps.run(conn, "teams", """
                INSERT INTO teams (commune_code, name, kind, leader_id, created_at)
                SELECT u.unit_code, 'Tổ công nghệ số cộng đồng ' || (row_number() OVER w), 'community_tech', u.id,
                       timestamptz '2024-11-01'
                FROM users u WHERE u.role = 'team_leader' AND u.unit_code
                       IN (SELECT code FROM units WHERE parent_code = :p)
                WINDOW w AS (PARTITION BY u.unit_code ORDER BY u.id)
            """, {"p": province})
            steps.run(conn, "team members", """
                INSERT INTO team_members (team_id, user_id, joined_at)
                SELECT t.id, u.id, timestamptz '2024-11-01' FROM users u
                JOIN LATERAL (SELECT id FROM teams WHERE commune_code = u.unit_code ORDER BY id
                              OFFSET u.id % 2 LIMIT 1) t ON true
                WHERE u.role IN ('volunteer', 'team_leader')
            """)
            steps.run(conn, "ambassadors", """
                INSERT INTO ambassadors (user_id, commune_code, origin, appointed_at)
                SELECT id, unit_code, 'youth_union', timestamptz '2024-12-01' FROM users
                WHERE role IN ('volunteer', 'team_leader')
            """)
            # Each volunteer mentors five to seven people of their commune; those past 18 months completed.
            steps.run(conn, "mentorships", """
                INSERT INTO mentorships (public_id, commune_code, mentor_user_id, mentee_person_id, status, started_at,
                                         ended_at)
                SELECT 'M' || upper(lpad(to_hex(u.id * 10 + g), 11, '0')), u.unit_code, u.id, p.id,
                       CASE WHEN g <= 3 THEN 'completed' WHEN g = 7 THEN 'dropped' ELSE 'active' END,
                       timestamptz '2025-01-01' + g * interval '30 days',
                       CASE WHEN g <= 3 OR g = 7 THEN timestamptz '2025-09-01' + g * interval '20 days' END
                FROM users u JOIN bench_sizes z ON z.code = u.unit_code, generate_series(1, 5 + u.id % 3) g
                JOIN LATERAL (SELECT id FROM bench_commune_people
                              WHERE commune_code = u.unit_code AND n = 1 + ((u.id * 7 + g) * 13) % z.people) p ON true
                WHERE u.role IN ('volunteer', 'team_leader')
            """)
            steps.run(conn, "analyse", "ANALYZE")
        steps.close()
        officer = db.session.scalar(sa.text(
            "SELECT phone FROM users WHERE role = 'commune_officer' ORDER BY id LIMIT 1"))
    return Province(province, communes, officer, "+84960000001")


def province_of(app, province: str = PROVINCE) -> Province:
    """The province a seeded database holds (a kept database measured again)."""
    from fieldapp.extensions import db

    with app.app_context():
        communes = list(db.session.scalars(sa.text("SELECT code FROM units WHERE parent_code = :p ORDER BY code"),
                                           {"p": province}))
        officer = db.session.scalar(sa.text(
            "SELECT phone FROM users WHERE role = 'commune_officer' ORDER BY id LIMIT 1"))
        chief = db.session.scalar(sa.text("SELECT phone FROM users WHERE role = 'province_officer' AND unit_code = :p"),
                                  {"p": province})
    return Province(province, communes, officer, chief)


def seed_history(app, *, first_month: date, months: int, records_per_household: float, progress_label: str = ""):
    """Sessions, attendance, check-ins, visits and support records for ``months`` months from
    ``first_month``: about ``records_per_household`` support records per household over those months.

    The support records: 60 % from visits (three skills a visit), 20 % from sessions (two a session's
    attendee), 10 % from the one-stop desk, 10 % from mentoring. 93 % counted, 5 % held, 2 % rejected.
    """
    from fieldapp.extensions import db

    start = first_month.isoformat()
    days = (date(first_month.year + (first_month.month - 1 + months) // 12,
                 1 + (first_month.month - 1 + months) % 12, 1) - first_month).days
    weeks = days // 7
    with app.app_context():
        households = db.session.scalar(sa.text("SELECT count(*) FROM households"))
        visits_per_household = records_per_household * 0.6 / 3
        t0 = datetime.combine(first_month, datetime.min.time(), tzinfo=timezone.utc)
        steps = Steps(9, f"history {progress_label or start} ({months} months)", start=start, days=days, t0=t0,
                      t1=t0 + timedelta(days=days))
        with db.engine.begin() as conn:
            # A weekly class in each village and a one-stop desk session in each commune, each week.
            steps.run(conn, "sessions", """
                INSERT INTO learning_sessions (public_id, commune_code, village_id, team_id, kind, title, venue_name,
                                               radius_m, starts_at, ends_at, topics, created_at)
                SELECT 'S' || upper(substr(md5(CAST(:start AS text) || coalesce(v.id, 0) || c.code || w), 1,
                       15)), c.code, v.id,
                       t.team_id,
                       CASE WHEN v.id IS NULL THEN 'one_stop_desk' ELSE 'weekly_class' END,
                       CASE WHEN v.id IS NULL THEN 'Hỗ trợ tại bộ phận một cửa' ELSE 'Lớp học kỹ năng số hằng tuần' END,
                       coalesce('Nhà văn hoá ' || v.name, 'Trung tâm phục vụ hành chính công'), 150,
                       :t0 + w * interval '7 days' + interval '12 hours',
                       :t0 + w * interval '7 days' + interval '14 hours', '[]'::json, now()
                FROM units c JOIN (SELECT commune_code, min(id) AS team_id FROM teams GROUP BY commune_code) t
                       ON t.commune_code = c.code
                     LEFT JOIN LATERAL (SELECT id, name FROM villages WHERE commune_code = c.code
                                                UNION ALL SELECT NULL, NULL) v ON true,
                     generate_series(0, :weeks - 1) w
                WHERE c.parent_code = :p
            """, {"start": start, "weeks": weeks, "p": PROVINCE})
            # Attendees: a class reaches households * records * 0.2 / 2 attendances over the span.
            span = {"t0": t0, "t1": t0 + timedelta(days=days)}
            classes, desks = (conn.execute(sa.text(
                "SELECT count(*) FROM learning_sessions WHERE kind = :k AND starts_at >= :t0 AND starts_at < :t1"),
                {"k": kind, **span}).scalar() for kind in ("weekly_class", "one_stop_desk"))
            per_class = max(1, round(households * records_per_household * 0.2 / 2 / max(1, classes)))
            steps.run(conn, "attendees", """
                INSERT INTO session_attendees (session_id, commune_code, person_id, recorded_by, via, recorded_at)
                SELECT s.id, s.commune_code, p.id, t.leader_id, 'roster', s.starts_at
                FROM learning_sessions s JOIN teams t ON t.id = s.team_id
                JOIN bench_sizes z ON z.code = s.village_id::text, generate_series(0, :n - 1) k
                JOIN LATERAL (SELECT id FROM bench_village_people WHERE village_id = s.village_id
                              AND n = 1 + (abs(hashtext(s.public_id)) + k * 7) % z.people) p ON true
                WHERE s.kind = 'weekly_class' AND s.starts_at >= :t0
                  AND s.starts_at < :t1
            """, {"n": per_class})
            steps.run(conn, "session check-ins", """
                INSERT INTO checkins (client_id, request_hash, user_id, commune_code, target_kind, session_id,
                                      scanned_at, received_at, period_at, mock_location, distance_m, accuracy_m,
                                      verdict, flags, evidence_status)
                SELECT 'c-' || s.public_id, md5(s.public_id), t.leader_id, s.commune_code, 'session', s.id,
                       s.starts_at + interval '5 minutes', s.starts_at + interval '6 minutes', s.starts_at,
                       false, 20, 12,
                       CASE WHEN s.id % 20 = 0 THEN 'accepted_with_flags' ELSE 'verified' END,
                       CASE WHEN s.id % 20 = 0 THEN '["far_from_site"]' ELSE '[]' END::json,
                       CASE WHEN s.id % 20 = 0 THEN 'held' ELSE 'counted' END
                FROM learning_sessions s JOIN teams t ON t.id = s.team_id
                WHERE s.starts_at >= :t0 AND s.starts_at < :t1
            """, {})
            # Visits: households * visits_per_household, by a volunteer of the commune, at some time of day.
            steps.run(conn, "visits", """
                INSERT INTO visits (public_id, client_id, request_hash, volunteer_id, household_id,
                       commune_code, outcome,
                                    visited_at, received_at, location, flags, verdict, evidence_status)
                SELECT 'V' || upper(substr(md5(CAST(:start AS text) || h.id || g), 1, 15)),
                       'v-' || md5(CAST(:start AS text) || h.id || g), md5(h.id || '-' || g),
                       vol.ids[1 + h.id % array_length(vol.ids, 1)],
                       h.id, h.commune_code, 'supported', at, at + interval '2 minutes', h.location,
                       (CASE r WHEN 0 THEN '["far_from_site"]' WHEN 1 THEN '["no_plate_scan"]'
                               WHEN 2 THEN '["no_plate_scan", "no_gps"]' ELSE '[]' END)::json,
                       CASE WHEN r < 3 THEN 'accepted_with_flags' ELSE 'verified' END,
                       CASE WHEN r = 0 THEN 'held' WHEN r = 2 AND h.id % 2 = 0 THEN 'rejected' ELSE 'counted' END
                FROM households h
                JOIN (SELECT unit_code, array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'volunteer'
                      GROUP BY unit_code) vol ON vol.unit_code = h.commune_code,
                generate_series(1, :whole + 1) g,
                LATERAL (SELECT :t0 + random() * :days * interval '1 day' AS at,
                                (h.id + g) % 20 AS r) x
                WHERE g <= :whole OR random() < :frac
            """, {"whole": int(visits_per_household),
                  "frac": visits_per_household - int(visits_per_household)})
            steps.run(conn, "visit support", f"""
                INSERT INTO support_records (person_id, skill, helper_id, team_id, commune_code, village_id,
                       source_kind,
                                             source_id, supported_at, proof, flags, created_at, evidence_status)
                SELECT p.id, {_pick(_sql_array(SKILLS_DIGITAL_FAMILY + SKILLS_OTHER), "v.id * 3 + g")},
                       v.volunteer_id, tm.team_id, v.commune_code, p.village_id, 'visit', v.public_id, v.visited_at,
                       CASE WHEN v.flags::text LIKE '%no_plate_scan%' THEN 'gps' ELSE 'qr_plate' END, v.flags,
                       v.received_at, v.evidence_status
                FROM visits v JOIN team_members tm ON tm.user_id = v.volunteer_id, generate_series(1, 3) g,
                LATERAL (SELECT id, village_id FROM persons WHERE household_id = v.household_id
                         ORDER BY id OFFSET (v.id + g) % {PEOPLE_PER_HOUSEHOLD} LIMIT 1) p
                WHERE v.visited_at >= :t0 AND v.visited_at < :t1
            """, {})
            steps.run(conn, "session support", f"""
                INSERT INTO support_records (person_id, skill, helper_id, team_id, commune_code, village_id,
                       source_kind,
                                             source_id, supported_at, proof, flags, created_at, evidence_status)
                SELECT a.person_id, {_pick(_sql_array(SKILLS_DIGITAL_FAMILY), "a.person_id * 2 + g + s.id")},
                       t.leader_id, t.id, s.commune_code, s.village_id, 'session', s.public_id, s.starts_at,
                              'session_qr',
                       '[]'::json, s.starts_at, CASE WHEN c.evidence_status = 'held' THEN 'held' ELSE 'counted' END
                FROM session_attendees a JOIN learning_sessions s ON s.id = a.session_id
                       JOIN teams t ON t.id = s.team_id
                JOIN checkins c ON c.session_id = s.id, generate_series(1, 2) g
                WHERE s.starts_at >= :t0 AND s.starts_at < :t1
            """, {})
            # One-stop desk: each desk session helps people of the commune with a public service online.
            desk_per_session = max(1, round(households * records_per_household * 0.1 / max(1, desks)))
            steps.run(conn, "one-stop desk support", """
                INSERT INTO support_records (person_id, skill, helper_id, team_id, commune_code, village_id,
                       source_kind,
                                             source_id, supported_at, proof, flags, created_at, evidence_status)
                SELECT p.id, 'online_public_services', t.leader_id, t.id, s.commune_code, p.village_id, 'session',
                       s.public_id, s.starts_at + g * interval '3 minutes', 'session_qr', '[]'::json, s.starts_at,
                       CASE WHEN (p.id + g) % 40 = 0 THEN 'held' ELSE 'counted' END
                FROM learning_sessions s JOIN teams t ON t.id = s.team_id
                JOIN bench_sizes z ON z.code = s.commune_code, generate_series(1, :n) g
                JOIN LATERAL (SELECT id, village_id FROM bench_commune_people WHERE commune_code = s.commune_code
                              AND n = 1 + (abs(hashtext(s.public_id)) + g * 37) % z.people) p ON true
                WHERE s.kind = 'one_stop_desk' AND s.starts_at >= :t0
                  AND s.starts_at < :t1
            """, {"n": desk_per_session})
            mentees = conn.execute(sa.text("SELECT count(*) FROM mentorships")).scalar()
            per_mentee = max(1, round(households * records_per_household * 0.1 / max(1, mentees)))
            steps.run(conn, "mentoring support", f"""
                INSERT INTO support_records (person_id, skill, helper_id, team_id, commune_code, village_id,
                       source_kind,
                                             source_id, supported_at, proof, flags, created_at, evidence_status)
                SELECT m.mentee_person_id, {_pick(_sql_array(SKILLS_DIGITAL_FAMILY + SKILLS_OTHER), "m.id * 31 + g")},
                       m.mentor_user_id, NULL, m.commune_code, p.village_id, 'mentoring', m.public_id,
                       :t0 + ((m.id * 7 + g * 11) % :days) * interval '1 day' + interval '9 hours',
                       'mentor', '[]'::json, now(), 'counted'
                FROM mentorships m JOIN persons p ON p.id = m.mentee_person_id, generate_series(1, :n) g
            """, {"n": per_mentee})
            steps.run(conn, "analyse", "ANALYZE")
        steps.close()


def counts(app) -> dict[str, int]:
    from fieldapp.extensions import db

    with app.app_context():
        return {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))  # noqa: S608 - fixed names
                for t in ("households", "persons", "support_records", "visits", "learning_sessions", "checkins",
                          "session_attendees", "mentorships", "users")}
