"""``fieldapp demo load``: Xã Hùng Châu (Nghệ An, 17395), a realistic demo commune with a mentor network."""
import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from fieldapp.extensions import db

DEMO_COMMUNE = "17395"
DEMO_PROVINCE = "40"
DEMO_VILLAGES = [("Xóm Đông Sơn", "xóm"), ("Xóm Yên Lạc", "xóm"), ("Thôn Trung Hòa", "thôn"),
                 ("Thôn Phú Thọ", "thôn")]
#: (phone, name, role, unit) — the phones are demo numbers of the right shape.
DEMO_ACCOUNTS = [
    ("0912000001", "Nguyễn Văn Hùng", "commune_officer", DEMO_COMMUNE),
    ("0912000002", "Trần Thị Hoà", "team_leader", DEMO_COMMUNE),
    ("0912000003", "Lê Văn Nam", "volunteer", DEMO_COMMUNE),
    ("0912000004", "Phạm Thị Lan", "volunteer", DEMO_COMMUNE),
    ("0912000005", "Hồ Đức Anh", "volunteer", DEMO_COMMUNE),
    ("0912000006", "Võ Thị Mai", "province_officer", DEMO_PROVINCE),
]
DEMO_TEAM = "Tổ công nghệ số cộng đồng Xóm Đông Sơn"
#: Where each village lies, as an offset (degrees) from the commune's centroid.
DEMO_VILLAGE_OFFSETS = [(0.004, -0.006), (-0.005, -0.004), (0.006, 0.007), (-0.007, 0.006)]
HOUSEHOLDS_PER_VILLAGE = 6
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hồ", "Võ", "Đặng", "Bùi", "Hoàng", "Phan"]
_MIDDLE_M, _MIDDLE_F = ["Văn", "Đức", "Hữu", "Quang"], ["Thị", "Thị", "Ngọc", "Thu"]
_GIVEN_M = ["Hùng", "Nam", "Tuấn", "Minh", "Dũng", "Sơn", "Hải", "Long", "Thắng", "Quý"]
_GIVEN_F = ["Hoà", "Lan", "Mai", "Hương", "Hạnh", "Thảo", "Nga", "Yến", "Linh", "Trang"]


def demo_load(*, reset_passwords: bool = False) -> list[tuple[str, str, str, str | None]]:
    """Create what is missing of the demo commune; return (phone, name, role, password) per account.

    The password is ``None`` for an account that already existed and was not reset.
    """
    from fieldapp.models import Team, Unit, User, Village
    from fieldapp.phones import normalize_phone
    from fieldapp.services.passwords import password_hash
    from fieldapp.services.teams import team_create, team_member_add
    from fieldapp.services.units import units_import
    from fieldapp.services.users import user_create
    from fieldapp.services.villages import village_create
    from fieldapp.text import fold

    if db.session.get(Unit, DEMO_COMMUNE) is None:
        units_import()
    for name, kind in DEMO_VILLAGES:
        exists = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(name)))
        if exists is None:
            village_create(commune_code=DEMO_COMMUNE, name=name, kind=kind, caller=None)
    credentials = []
    users = {}
    for phone, name, role, unit in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.phone == normalize_phone(phone)))
        password = None
        if user is None:
            password = secrets.token_urlsafe(9)
            user = user_create(phone=phone, full_name=name, role=role, unit_code=unit, password=password,
                               granter=None)
        elif reset_passwords:
            password = secrets.token_urlsafe(9)
            user.password_hash = password_hash(password)
        users[phone] = user
        credentials.append((user.phone, name, role, password))
    if db.session.scalar(select(Team.id).where(Team.commune_code == DEMO_COMMUNE)) is None:
        village_id = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(DEMO_VILLAGES[0][0])))
        team = team_create(commune_code=DEMO_COMMUNE, name=DEMO_TEAM, kind="community_tech",
                           leader=users["0912000002"], village_id=village_id, caller=None)
        for phone in ("0912000002", "0912000003", "0912000004", "0912000005"):
            team_member_add(team=team, user=users[phone], caller=None)
        _demo_households(team, volunteer=users["0912000003"])
    from fieldapp.models import Ambassador

    if db.session.scalar(select(Ambassador.user_id).where(Ambassador.commune_code == DEMO_COMMUNE)) is None:
        _demo_network(users)
    return credentials


def _demo_households(team, *, volunteer) -> None:
    """Households with locations and people in each village; the first village's go to a volunteer."""
    import random

    from fieldapp.clock import utcnow
    from fieldapp.geo import point_of
    from fieldapp.models import Assignment, Skill, Unit, Village
    from fieldapp.services.households import household_create
    from fieldapp.services.persons import person_create
    from fieldapp.services.skills import skills_record

    rng = random.Random(17395)  # the same demo every time
    centre = point_of(db.session.get(Unit, DEMO_COMMUNE).centroid)
    villages = db.session.scalars(select(Village).where(Village.commune_code == DEMO_COMMUNE).order_by(Village.id))
    skills = list(Skill)[:7]
    for number, (village, (dlat, dlon)) in enumerate(zip(villages, DEMO_VILLAGE_OFFSETS)):
        for house in range(1, HOUSEHOLDS_PER_VILLAGE + 1):
            household = household_create(
                caller=None, village_id=village.id, address=f"{village.name}, nhà số {house * 3}",
                location={"lat": centre.lat + dlat + rng.uniform(-0.0015, 0.0015),
                          "lon": centre.lon + dlon + rng.uniform(-0.0015, 0.0015)},
                is_poor=rng.random() < 0.15, is_ethnic_minority=rng.random() < 0.1, is_remote=rng.random() < 0.1)
            family = rng.choice(_FAMILY)
            for member in range(rng.randint(2, 4)):
                female = member % 2 == 1
                name = " ".join([family, rng.choice(_MIDDLE_F if female else _MIDDLE_M),
                                 rng.choice(_GIVEN_F if female else _GIVEN_M)])
                person = person_create(caller=None, household=household, full_name=name,
                                       birth_year=rng.randint(1940, 2008), sex="female" if female else "male",
                                       is_head=member == 0, confirm_duplicate=True,
                                       consent={"purpose": "Hỗ trợ kỹ năng số (Bình dân học vụ số)",
                                                "notice_version": "2026-01"})
                known = rng.sample(skills, rng.randint(0, len(skills)))
                if known:
                    skills_record(caller=None, person=person, grant=known, evidence_kind="other",
                                  evidence_ref="demo")
            if number == 0:
                db.session.add(Assignment(household_id=household.id, volunteer_id=volunteer.id, team_id=team.id,
                                          assigned_at=utcnow()))
    db.session.flush()


@click.group("demo")
def group():
    """Demo data."""


@group.command("load")
@click.option("--reset-passwords", is_flag=True, help="Give the demo accounts new passwords and print them")
@with_appcontext
def demo_load_command(reset_passwords):
    """Load Xã Hùng Châu (Nghệ An): villages, a team, accounts (safe to run again)."""
    from fieldapp.cli import cli_run_id

    cli_run_id()
    credentials = demo_load(reset_passwords=reset_passwords)
    db.session.commit()
    click.echo("Demo commune: Xã Hùng Châu, Tỉnh Nghệ An (17395). Accounts:")
    for phone, name, role, password in credentials:
        shown = password if password else "(unchanged; --reset-passwords prints a new one)"
        click.echo(f"  {role:<17} {phone}  {name:<18} password: {shown}")


def _demo_network(users) -> None:
    """A small Digital Ambassador tree: Nam (6 mentees, meets the ≥5 rule) trained the resident Hồ Đức
    Anh, promoted and linked to Anh's volunteer account, who now mentors 2; Lan has 3 (under target)."""
    import random
    from datetime import timedelta

    from fieldapp.auth.caller import Caller
    from fieldapp.clock import utcnow
    from fieldapp.models import Household, Person, Role, Skill, Village
    from fieldapp.services.ambassadors import ambassador_appoint, mentorship_promote
    from fieldapp.services.mentorships import interaction_record, mentorship_create, mentorship_update
    from fieldapp.services.persons import person_create

    rng = random.Random(4)
    nam, lan, anh = users["0912000003"], users["0912000004"], users["0912000005"]
    ambassador_appoint(caller=None, user_id=nam.id, origin="youth_union")
    ambassador_appoint(caller=None, user_id=lan.id, origin="womens_union")
    second_village = db.session.scalars(select(Village.id).where(Village.commune_code == DEMO_COMMUNE)
                                        .order_by(Village.id)).all()[1]
    household = db.session.scalars(select(Household).where(Household.village_id == second_village)
                                   .order_by(Household.id)).first()
    resident_anh = person_create(caller=None, household=household, full_name=anh.full_name, birth_year=2003,
                                 sex="male", confirm_duplicate=True,
                                 consent={"purpose": "Hỗ trợ kỹ năng số (Bình dân học vụ số)",
                                          "notice_version": "2026-01"})
    residents = iter(db.session.scalars(select(Person).where(Person.commune_code == DEMO_COMMUNE,
                                                             Person.id != resident_anh.id).order_by(Person.id)))
    skills = [Skill.online_public_services, Skill.cashless_payment, Skill.online_safety, Skill.vneid_level2]

    def mentor(mentor_user, person, status):
        chosen = rng.sample(skills, 2)
        mentorship = mentorship_create(caller=None, mentor_user_id=mentor_user.id, mentee_person_id=person.public_id,
                                       skills=chosen, started_at=utcnow() - timedelta(days=rng.randint(20, 60)))
        caller = Caller(user_id=mentor_user.id, role=Role(mentor_user.role), unit_code=DEMO_COMMUNE,
                        province_code=DEMO_PROVINCE)
        location = person.household.location
        for days_ago in sorted(rng.sample(range(1, 19), 2), reverse=True):
            interaction_record(caller=caller, mentorship=mentorship, method="visit",
                               occurred_at=utcnow() - timedelta(days=days_ago), evidence_ref=None,
                               location=None if location is None else _latlon(location))
        if status == "completed":
            mentorship_update(caller=None, mentorship=mentorship, skills_reached=chosen, status="completed")
        return mentorship

    trained_anh = mentor(nam, resident_anh, "completed")
    for status in ("completed", "completed", "completed", "active", "active"):
        mentor(nam, next(residents), status)
    mentorship_promote(caller=None, mentorship=trained_anh, origin="youth_union", user_id=anh.id)
    for status in ("completed", "active", "active"):
        mentor(lan, next(residents), status)
    for status in ("active", "active"):
        mentor(anh, next(residents), status)
    db.session.flush()


def _latlon(geometry) -> dict:
    from fieldapp.geo import point_of

    point = point_of(geometry)
    return {"lat": point.lat, "lon": point.lon}
