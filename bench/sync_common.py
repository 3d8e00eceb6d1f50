"""Shared by bench/sync_pull.py and bench/sync_push.py: a commune of volunteers with realistic
households and people, made through the services (so every row carries its sync stamp), and
gunicorn serving it as production does (fieldapp's gunicorn config, the runtime role under
row-level security on PostgreSQL)."""
from __future__ import annotations

import http.client
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Đinh", "Cao", "Lương", "Thái")
MIDDLE_MEN = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Công", "Đình", "Thanh", "Bá")
MIDDLE_WOMEN = ("Thị", "Ngọc", "Thu", "Hồng", "Thanh", "Minh", "Kim", "Bích", "Diệu", "Thuỳ")
GIVEN_MEN = ("An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn",
             "Thắng", "Thành", "Trung", "Tuấn", "Tú", "Việt", "Vĩnh", "Hoàng", "Kiên", "Lộc", "Nghĩa")
GIVEN_WOMEN = ("Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung", "Phương",
               "Quỳnh", "Tâm", "Thảo", "Thu", "Thuỷ", "Trang", "Vân", "Yến", "Huyền", "Loan", "Oanh", "Duyên")
HAMLETS = ("Đông Sơn", "Tây Hồ", "Bắc Thắng", "Nam Tiến", "Trung Hoà", "Yên Thịnh")
PREFIXES = ("096", "097", "098", "086", "032", "033", "035", "038", "091", "094", "088", "090", "093",
            "070", "079")
COMMUNE = "17395"  # Xã Hùng Châu, Nghệ An (a centroid in the units import)


def person_names(rng: random.Random, surname: str, sex: str) -> str:
    if sex == "male":
        return f"{surname} {rng.choice(MIDDLE_MEN)} {rng.choice(GIVEN_MEN)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_WOMEN)} {rng.choice(GIVEN_WOMEN)}"


def mobile_phone(rng: random.Random) -> str:
    # Real carriers' prefixes (Viettel, VinaPhone, MobiFone): numbers the phone validation accepts.
    return rng.choice(PREFIXES) + "".join(rng.choice("0123456789") for _ in range(7))


@dataclass
class Field:
    """What was seeded: per volunteer, their phone number and households (public ids, plates, points,
    members' public ids)."""

    volunteers: list[str] = field(default_factory=list)
    households: dict[str, list[dict]] = field(default_factory=dict)


def seed_field(app, *, volunteers: int, households_each: int, members_each: int, seed: int = 15) -> Field:
    """``volunteers`` volunteers of one team in COMMUNE, each assigned ``households_each`` households of
    ``members_each`` people (a head with a phone, spouses, children and grandparents by birth year;
    a third with a skill or two)."""
    from fieldapp.auth.callers import Caller
    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.geo import point_of
    from fieldapp.models import Assignment, Role, Unit
    from fieldapp.qr import signing
    from fieldapp.services.households import household_create
    from fieldapp.services.persons import person_create
    from fieldapp.services.skills import person_skills_record
    from fieldapp.services.teams import team_create, team_member_add
    from fieldapp.services.units import units_import
    from fieldapp.services.villages import village_create
    from tests.factories import make_user

    rng = random.Random(seed)
    started = time.perf_counter()
    world = Field()
    with app.app_context():
        units_import()
        db.session.commit()
        centre = point_of(db.session.get(Unit, COMMUNE).centroid)
        villages = [village_create(commune_code=COMMUNE, name=f"Xóm {name}", kind="xóm", caller=None)
                    for name in HAMLETS]
        leader = make_user(role=Role.team_leader, unit_code=COMMUNE, phone="+84988100000",
                           full_name="Nguyễn Văn Trưởng")
        officer = Caller(user_id=leader.id, role=Role.team_leader, unit_code=COMMUNE, province_code="40")
        team = team_create(commune_code=COMMUNE, name="Tổ công nghệ số cộng đồng Hùng Châu", kind="community_tech",
                           leader=leader, village_id=None, caller=None)
        for number in range(volunteers):
            user = make_user(role=Role.volunteer, unit_code=COMMUNE, phone=f"+8498820{number:04d}",
                             full_name=person_names(rng, rng.choice(SURNAMES), rng.choice(("male", "female"))))
            team_member_add(team=team, user=user, caller=None)
            world.volunteers.append(user.phone)
            mine = world.households[user.phone] = []
            for index in range(households_each):
                village = villages[index % len(villages)]
                lat = centre.lat + rng.uniform(-0.02, 0.02)
                lon = centre.lon + rng.uniform(-0.02, 0.02)
                household = household_create(caller=None, village_id=village.id,
                                             address=f"Số {rng.randint(1, 250)}, {village.name}",
                                             location={"lat": lat, "lon": lon}, is_poor=rng.random() < 0.1,
                                             is_ethnic_minority=rng.random() < 0.08, is_remote=rng.random() < 0.05)
                surname = rng.choice(SURNAMES)
                head_year = rng.randint(1950, 1990)
                people = []
                for member in range(members_each):
                    sex = ("male", "female")[member % 2] if member < 2 else rng.choice(("male", "female"))
                    year = (head_year + rng.randint(-4, 4) if member < 2 else
                            head_year + rng.randint(20, 30) if member < members_each - 1 else
                            head_year - rng.randint(20, 28))
                    year = max(1920, min(2020, year))
                    person = person_create(caller=None, household=household, full_name=person_names(rng, surname, sex),
                                           birth_year=year, sex=sex,
                                           phone=mobile_phone(rng) if year < 2008 and rng.random() < 0.75 else None,
                                           is_head=member == 0, confirm_duplicate=True)
                    if rng.random() < 0.33:
                        person_skills_record(caller=officer, person=person, evidence_kind="other",
                                             grant=rng.sample(["cashless_payment", "online_safety", "vneid_level2",
                                                               "online_documents", "online_shopping"],
                                                              rng.randint(1, 2)))
                    people.append(person)
                db.session.add(Assignment(household_id=household.id, commune_code=household.commune_code,
                                          volunteer_id=user.id, team_id=team.id,
                                          assigned_at=utcnow()))
                db.session.commit()
                mine.append({"id": household.public_id, "plate": signing.qr_text("household", household.public_id),
                             "lat": lat, "lon": lon, "people": [p.public_id for p in people],
                             "versions": {p.public_id: p.version for p in people}})
        db.session.commit()
    print(f"seeded {volunteers} volunteer(s) x {households_each} households x {members_each} people "
          f"in {time.perf_counter() - started:.0f} s")
    return world


class Server:
    """gunicorn with fieldapp's config on a free port, as production runs it."""

    def __init__(self, app, *, workers: int | None = None, timeout: int | None = None):
        from tests.servers import free_port, start_gunicorn

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        env = {**os.environ, "DATABASE_URL": url, "KEYS_DIR": app.config["KEYS_DIR"], "AUDIT_SEQUENCE_INTERVAL": "1",
               "PASSWORD_HASH_PROFILE": "CHEAPEST", "FIELDAPP_ENV": "development"}
        if url.startswith("postgresql"):
            from tests.databases import runtime_role, runtime_role_grant

            role = runtime_role(url)
            runtime_role_grant(url, role)
            env["DATABASE_ROLE"] = role
            print(f"requests act as {role} (row-level security applies)")
        self.port = free_port()
        flags = ["--log-level", "warning", "--access-logfile", "/dev/null"]
        if workers:
            flags += ["--workers", str(workers)]
        if timeout:
            flags += ["--timeout", str(timeout)]
        self.workers = workers or (2 * (os.cpu_count() or 1) + 1)
        self.process = start_gunicorn(self.port, *flags, env=env)

    def stop(self) -> None:
        import signal

        from tests.servers import stop

        stop(self.process, signal.SIGTERM)

    def request(self, method: str, path: str, *, token: str | None = None, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes, float]:
        """Status, headers, raw body (as sent: gzip not undone) and wall time in ms."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = {**(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, raw, elapsed

    def token(self, phone: str) -> str:
        from tests.factories import DEFAULT_PASSWORD

        status, _, raw, _ = self.request("POST", "/api/v1/auth/token",
                                         body={"phone": phone, "password": DEFAULT_PASSWORD})
        assert status in (200, 201), raw
        return json.loads(raw)["access_token"]


def keys_dir() -> str:
    path = tempfile.mkdtemp(prefix="fieldapp-bench-keys-")
    os.environ.update({"KEYS_DIR": path, "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    return path


ROOT = Path(__file__).resolve().parents[1]
