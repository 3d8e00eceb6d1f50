"""``fieldapp demo load``: Xã Hùng Châu (Nghệ An, 17395), a realistic demo commune with a mentor network."""
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.runs import cli_run_id

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
DEMO_LEADER = "0912000002"
#: Where each village lies, as an offset (degrees) from the commune's centroid.
DEMO_VILLAGE_OFFSETS = [(0.004, -0.006), (-0.005, -0.004), (0.006, 0.007), (-0.007, 0.006)]
HOUSEHOLDS_PER_VILLAGE = 6
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hồ", "Võ", "Đặng", "Bùi", "Hoàng", "Phan"]
_MIDDLE_M, _MIDDLE_F = ["Văn", "Đức", "Hữu", "Quang"], ["Thị", "Thị", "Ngọc", "Thu"]
_GIVEN_M = ["Hùng", "Nam", "Tuấn", "Minh", "Dũng", "Sơn", "Hải", "Long", "Thắng", "Quý"]
_GIVEN_F = ["Hoà", "Lan", "Mai", "Hương", "Hạnh", "Thảo", "Nga", "Yến", "Linh", "Trang"]


@dataclass
class DemoSession:
    public_id: str
    title: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class Demo:
    #: (phone, name, role, password) per account; the password is ``None`` for an account that
    #: already existed and was not reset.
    credentials: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    sessions: list[DemoSession] = field(default_factory=list)


def demo_load(*, reset_passwords: bool = False) -> Demo:
    """Create what is missing of the demo commune, each part on its own (villages by name, accounts
    by phone, the demo team by name, each village's households, the network when the commune has
    no ambassador, the sessions by title and time), so that it runs on any earlier state of the
    commune and a second run changes nothing."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Ambassador, Team, Unit, User, Village
    from fieldapp.phones import normalize_phone
    from fieldapp.services.passwords import password_hash
    from fieldapp.services.teams import team_create, team_member_add
    from fieldapp.services.units import units_import
    from fieldapp.services.users import user_create
    from fieldapp.services.villages import village_create
    from fieldapp.text import fold, nfc

    if db.session.get(Unit, DEMO_COMMUNE) is None:
        units_import()
    for name, kind in DEMO_VILLAGES:
        exists = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(name)))
        if exists is None:
            village_create(commune_code=DEMO_COMMUNE, name=name, kind=kind, caller=None)
    demo = Demo()
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
        demo.credentials.append((user.phone, name, role, password))
    # The demo's own team, by its name: another team of the commune (an officer's) is not it.
    team = db.session.scalar(select(Team).where(Team.commune_code == DEMO_COMMUNE, Team.name == nfc(DEMO_TEAM)))
    if team is None:
        village_id = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(DEMO_VILLAGES[0][0])))
        team = team_create(commune_code=DEMO_COMMUNE, name=DEMO_TEAM, kind="community_tech",
                           leader=users[DEMO_LEADER], village_id=village_id, caller=None)
    for phone in (DEMO_LEADER, "0912000003", "0912000004", "0912000005"):
        team_member_add(team=team, user=users[phone], caller=None)  # adding a member twice changes nothing
    _demo_households(team, leader=users[DEMO_LEADER], volunteer=users["0912000003"])
    if db.session.scalar(select(Ambassador.user_id).where(Ambassador.commune_code == DEMO_COMMUNE)) is None:
        _demo_network(users)
    demo.sessions = _demo_sessions(team, leader=users[DEMO_LEADER])
    return demo


def _demo_households(team, *, leader, volunteer) -> None:
    """Households with locations and people in each village that has none yet; the first village's
    go to a volunteer (assigned by the team leader, as the app would)."""
    import random

    from sqlalchemy import select

    from fieldapp.auth.callers import Caller
    from fieldapp.extensions import db
    from fieldapp.geo import point_of
    from fieldapp.models import Assignment, Household, Role, Skill, Unit, Village
    from fieldapp.services.assignments import assignments_create
    from fieldapp.services.households import household_create
    from fieldapp.services.persons import person_create
    from fieldapp.services.skills import skills_record

    centre = point_of(db.session.get(Unit, DEMO_COMMUNE).centroid)
    villages = list(db.session.scalars(select(Village).where(Village.commune_code == DEMO_COMMUNE)
                                       .order_by(Village.id)))[:len(DEMO_VILLAGE_OFFSETS)]
    skills = list(Skill)[:7]
    for village, (dlat, dlon) in zip(villages, DEMO_VILLAGE_OFFSETS, strict=False):  # a commune may have fewer villages
        if db.session.scalar(select(Household.id).where(Household.village_id == village.id).limit(1)) is not None:
            continue
        rng = random.Random(f"{DEMO_COMMUNE} {village.name}")  # the same village every time
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
    db.session.flush()
    if villages:
        unassigned = list(db.session.scalars(select(Household.public_id).where(
            Household.village_id == villages[0].id,
            Household.id.not_in(select(Assignment.household_id).where(Assignment.ended_at.is_(None))))))
        if unassigned:
            caller = Caller(user_id=leader.id, role=Role.team_leader, unit_code=DEMO_COMMUNE,
                            province_code=DEMO_PROVINCE)
            assignments_create(caller=caller, volunteer_id=volunteer.id, household_ids=unassigned, team_id=team.id)


def _demo_sessions(team, *, leader) -> list[DemoSession]:
    """A weekly class on now (from an hour ago to three hours ahead), in the first village, so that
    a newcomer can open its projector display and check in to it; and the next 10 October's learning
    day. Each is created unless a demo session of that title already covers that time."""
    from datetime import timedelta

    from sqlalchemy import select

    from fieldapp.auth.callers import Caller
    from fieldapp.clock import VIETNAM, utcnow
    from fieldapp.extensions import db
    from fieldapp.geo import point_of
    from fieldapp.models import LearningSession, Role, Unit
    from fieldapp.services.sessions import session_create

    now = utcnow().replace(second=0, microsecond=0)
    today = now.astimezone(VIETNAM)
    learning_day = today.replace(month=10, day=10, hour=8, minute=0)
    if learning_day.date() < today.date():
        learning_day = learning_day.replace(year=today.year + 1)
    centre = point_of(db.session.get(Unit, DEMO_COMMUNE).centroid)
    dlat, dlon = DEMO_VILLAGE_OFFSETS[0]
    venue = {"lat": centre.lat + dlat, "lon": centre.lon + dlon}
    caller = Caller(user_id=leader.id, role=Role.team_leader, unit_code=DEMO_COMMUNE, province_code=DEMO_PROVINCE)
    planned = [("weekly_class", "Lớp kỹ năng số hằng tuần: thanh toán không dùng tiền mặt", now - timedelta(hours=1),
                now + timedelta(hours=3), ["cashless_payment", "online_safety"]),
               ("learning_day", "Ngày hội toàn dân học tập số", learning_day, learning_day + timedelta(hours=3),
                ["online_public_services", "vneid_level2", "cashless_payment"])]
    sessions = []
    for kind, title, starts, ends, topics in planned:
        covered = now if kind == "weekly_class" else starts  # today's class covers now; the learning day, its day
        session = db.session.scalar(select(LearningSession).where(
            LearningSession.commune_code == DEMO_COMMUNE, LearningSession.title == title,
            LearningSession.starts_at <= covered, LearningSession.ends_at > covered)
            .order_by(LearningSession.id).limit(1))
        if session is None:
            session = session_create(caller=caller, kind=kind, title=title,
                                     venue_name=f"Nhà văn hoá {DEMO_VILLAGES[0][0]}", venue=venue, starts_at=starts,
                                     ends_at=ends, radius_m=100, topics=topics, team_id=team.id,
                                     commune_code=DEMO_COMMUNE)
        sessions.append(DemoSession(public_id=session.public_id, title=session.title, starts_at=session.starts_at,
                                    ends_at=session.ends_at))
    return sessions


@click.group("demo")
def group():
    """Demo data."""


@group.command("load")
@click.option("--reset-passwords", is_flag=True, help="Give the demo accounts new passwords and print them")
@click.option("--base-url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT') or 5000}",
              show_default="http://127.0.0.1:$PORT (5000)", help="Where the server answers, for the display links")
@with_appcontext(http=True)  # the display pages' links (url_for)
def demo_load_command(reset_passwords, base_url):
    """Load Xã Hùng Châu (Nghệ An): villages, a team, households, a mentor network, sessions, accounts
    (safe to run again)."""
    from flask import current_app

    from fieldapp.clock import VIETNAM
    from fieldapp.display import display_url
    from fieldapp.extensions import db

    cli_run_id()
    demo = demo_load(reset_passwords=reset_passwords)
    db.session.commit()
    click.echo("Demo commune: Xã Hùng Châu, Tỉnh Nghệ An (17395). Accounts:")
    for phone, name, role, password in demo.credentials:
        shown = password if password else "(unchanged; --reset-passwords prints a new one)"
        click.echo(f"  {role:<17} {phone}  {name:<18} password: {shown}")
    click.echo("Sessions (open the display on a projector; volunteers check in by scanning it):")
    with current_app.test_request_context(base_url=base_url):
        for session in demo.sessions:
            starts, ends = (moment.astimezone(VIETNAM) for moment in (session.starts_at, session.ends_at))
            click.echo(f"  {session.public_id}  {starts:%d/%m/%Y %H:%M}–{ends:%H:%M}  {session.title}")
            click.echo(f"    display: {base_url.rstrip('/')}{display_url(session.public_id)}")


def _demo_network(users) -> None:
    """A small Digital Ambassador tree: Nam (6 mentees, meets the ≥5 rule) trained the resident Hồ Đức
    Anh, promoted and linked to Anh's volunteer account, who now mentors 2; Lan has 3 (under target)."""
    import random
    from datetime import timedelta

    from sqlalchemy import select

    from fieldapp.auth.callers import Caller
    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.models import (
        Ambassador,
        Household,
        Mentorship,
        MentorshipStatus,
        Person,
        Role,
        Skill,
        Village,
    )
    from fieldapp.services.ambassadors import ambassador_appoint, mentorship_promote
    from fieldapp.services.mentorships import interaction_record, mentorship_create, mentorship_update
    from fieldapp.services.persons import person_create

    rng = random.Random(4)
    nam, lan, anh = users["0912000003"], users["0912000004"], users["0912000005"]
    ambassador_appoint(caller=None, user_id=nam.id, origin="youth_union")
    ambassador_appoint(caller=None, user_id=lan.id, origin="womens_union")
    villages = db.session.scalars(select(Village.id).where(Village.commune_code == DEMO_COMMUNE)
                                  .order_by(Village.id)).all()
    households = select(Household).where(Household.commune_code == DEMO_COMMUNE)
    household = db.session.scalars(households.where(Household.village_id == villages[1]).order_by(Household.id)) \
        .first() or db.session.scalars(households.order_by(Household.id)).first()
    # Anh as the resident Nam trained: the one a partial earlier run left, else a new member.
    resident_anh = db.session.scalars(select(Person).where(
        Person.commune_code == DEMO_COMMUNE, Person.full_name == anh.full_name, Person.birth_year == 2003,
        Person.id.not_in(select(Ambassador.promoted_from_person_id).where(
            Ambassador.promoted_from_person_id.is_not(None)))).order_by(Person.id)).first()
    if resident_anh is None:
        resident_anh = person_create(caller=None, household=household, full_name=anh.full_name, birth_year=2003,
                                     sex="male", confirm_duplicate=True,
                                     consent={"purpose": "Hỗ trợ kỹ năng số (Bình dân học vụ số)",
                                              "notice_version": "2026-01"})
    # Residents free to be mentored: no active mentor (the database allows one), not an ambassador.
    mentored = select(Mentorship.mentee_person_id).where(Mentorship.status == MentorshipStatus.active,
                                                         Mentorship.mentee_person_id.is_not(None))
    residents = iter(db.session.scalars(select(Person).where(
        Person.commune_code == DEMO_COMMUNE, Person.id != resident_anh.id, Person.id.not_in(mentored),
        Person.erased_at.is_(None)).order_by(Person.id)).all())
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

    def mentor_each(mentor_user, statuses):
        for status, person in zip(statuses, residents, strict=False):  # fewer when the commune has fewer residents free
            mentor(mentor_user, person, status)

    trained_anh = mentor(nam, resident_anh, "completed")
    mentor_each(nam, ("completed", "completed", "completed", "active", "active"))
    mentorship_promote(caller=None, mentorship=trained_anh, origin="youth_union", user_id=anh.id)
    mentor_each(lan, ("completed", "active", "active"))
    mentor_each(anh, ("active", "active"))
    db.session.flush()


def _latlon(geometry) -> dict:
    from fieldapp.geo import point_of

    point = point_of(geometry)
    return {"lat": point.lat, "lon": point.lon}
