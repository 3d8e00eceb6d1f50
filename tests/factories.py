"""Plain factory functions: ``make_x(**overrides)`` adds a row and commits it.

In tests a commit only releases a savepoint (see ``conftest.db``): the row is visible to the requests
the test makes, which roll back their own savepoints on teardown, and gone after the test.
"""
from __future__ import annotations

import itertools

from fieldapp.extensions import db
from fieldapp.models import Role, User
from fieldapp.services.passwords import password_hash
from fieldapp.text import fold, nfc

DEFAULT_PASSWORD = "mat-khau-8"
HUNG_CHAU = "17395"  # Xã Hùng Châu, Nghệ An
NGHE_AN = "40"
OTHER_COMMUNE = "00004"  # Phường Ba Đình, Hà Nội
HA_NOI = "01"

_phones = itertools.count(1)


def next_phone() -> str:
    return f"+849130{next(_phones):05d}"


def make_user(*, role: Role | str = Role.volunteer, unit_code: str | None = HUNG_CHAU,
              full_name: str = "Nguyễn Thị Hoà", password: str = DEFAULT_PASSWORD, **overrides) -> User:
    user = User(phone=overrides.pop("phone", None) or next_phone(), full_name=nfc(full_name),
                name_folded=fold(full_name), role=Role(role), unit_code=unit_code,
                password_hash=password_hash(password), **overrides)
    db.session.add(user)
    db.session.commit()
    return user


HUNG_CHAU_CENTRE = (19.1222, 105.563)
_names = itertools.count(1)


def make_village(*, commune_code: str = HUNG_CHAU, name: str | None = None, kind: str = "xóm", boundary=None):
    from fieldapp.services.villages import village_create

    village = village_create(commune_code=commune_code, name=name or f"Xóm {next(_names)}", kind=kind,
                             caller=None, boundary=boundary)
    db.session.commit()
    return village


def make_household(*, village=None, lat: float | None = None, lon: float | None = None, address: str = "Nhà số 1",
                   **flags):
    from fieldapp.services.households import household_create

    village = village or make_village()
    location = None if lat is None else {"lat": lat, "lon": lon}
    household = household_create(caller=None, village_id=village.id, address=address, location=location, **flags)
    db.session.commit()
    return household


def make_person(*, household=None, full_name: str | None = None, birth_year: int | None = 1980, **overrides):
    from fieldapp.services.persons import person_create

    household = household or make_household()
    person = person_create(caller=None, household=household, full_name=full_name or f"Người Số {next(_names)}",
                           birth_year=birth_year, confirm_duplicate=True, **overrides)
    db.session.commit()
    return person


def make_team(*, leader=None, members=(), commune_code: str = HUNG_CHAU, village=None, kind: str = "community_tech"):
    from fieldapp.services.teams import team_create, team_member_add

    leader = leader or make_user(role=Role.team_leader, unit_code=commune_code)
    team = team_create(commune_code=commune_code, name=f"Tổ {next(_names)}", kind=kind, leader=leader,
                       village_id=village.id if village else None, caller=None)
    for member in members:
        team_member_add(team=team, user=member, caller=None)
    db.session.commit()
    return team


def assign(household, volunteer, team):
    from fieldapp.clock import utcnow
    from fieldapp.models import Assignment

    db.session.add(Assignment(household_id=household.id, commune_code=household.commune_code,
                              volunteer_id=volunteer.id, team_id=team.id,
                              assigned_at=utcnow()))
    db.session.commit()


def make_session(*, commune_code: str = HUNG_CHAU, lat: float = HUNG_CHAU_CENTRE[0], lon: float = HUNG_CHAU_CENTRE[1],
                 starts_in_minutes: int = -30, hours: int = 2, radius_m: int = 100,
                 topics=("cashless_payment", "online_safety"), kind: str = "weekly_class"):
    from datetime import timedelta

    from fieldapp.auth.callers import Caller
    from fieldapp.clock import utcnow
    from fieldapp.services.sessions import session_create

    organiser = make_user(role=Role.team_leader, unit_code=commune_code)
    caller = Caller(user_id=organiser.id, role=Role.team_leader, unit_code=commune_code, province_code=None)
    starts = utcnow() + timedelta(minutes=starts_in_minutes)
    session = session_create(caller=caller, kind=kind, title="Lớp kỹ năng số hằng tuần", venue_name="Nhà văn hoá xóm",
                             venue={"lat": lat, "lon": lon}, starts_at=starts, ends_at=starts + timedelta(hours=hours),
                             radius_m=radius_m, topics=list(topics))
    db.session.commit()
    return session


def require_tool(name: str) -> str:
    """The path of a command-line tool the test needs: skipped without it here, a failure in CI
    (where scripts/bootstrap installs it)."""
    import os
    import shutil

    import pytest

    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: scripts/bootstrap should have installed it")
        pytest.skip(f"{name} not installed (scripts/bootstrap installs it)")
    return path


def make_ambassador(*, user=None, origin: str = "youth_union", commune_code: str = HUNG_CHAU, **user_overrides):
    """A volunteer (made here unless given) marked as a Digital Ambassador."""
    from fieldapp.services.ambassadors import ambassador_appoint

    user = user or make_user(unit_code=commune_code, **user_overrides)
    ambassador = ambassador_appoint(caller=None, user_id=user.id, origin=origin)
    db.session.commit()
    return ambassador


def make_mentorship(*, mentor=None, mentee=None, skills=("online_public_services", "cashless_payment"),
                    status: str = "active"):
    """``mentor`` (an ambassador, made unless given) guides ``mentee`` (a Person or a User; a new resident
    of the mentor's commune unless given). ``status="completed"`` reaches every skill first."""
    from fieldapp.models import Person
    from fieldapp.services.mentorships import mentorship_create, mentorship_update

    mentor = mentor or make_ambassador()
    if mentee is None:
        mentee = make_person(household=make_household(village=make_village(commune_code=mentor.commune_code)))
    target = ({"mentee_person_id": mentee.public_id} if isinstance(mentee, Person)
              else {"mentee_user_id": mentee.id})
    mentorship = mentorship_create(caller=None, mentor_user_id=mentor.user_id, skills=list(skills), **target)
    if status == "completed":
        mentorship_update(caller=None, mentorship=mentorship, skills_reached=list(skills), status="completed")
    elif status == "dropped":
        mentorship_update(caller=None, mentorship=mentorship, status="dropped")
    db.session.commit()
    return mentorship


def promote(mentorship, *, origin: str = "youth_union", **account):
    """Promote the mentee of a completed mentorship; a resident gets a new account unless ``user_id``."""
    from fieldapp.services.ambassadors import mentorship_promote

    if mentorship.mentee_person_id is not None and "user_id" not in account:
        account = {"phone": next_phone(), "password": DEFAULT_PASSWORD, **account}
    ambassador = mentorship_promote(caller=None, mentorship=mentorship, origin=origin, **account)
    db.session.commit()
    return ambassador


def act_as_owner() -> None:
    """PostgreSQL: act as the login that owns the tables, not the API's runtime role, until the
    test's transaction (or savepoint) ends: for what only the owner can do, or is stopped from."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL ROLE NONE"))


def make_visit(*, volunteer, household, outcome: str = "nobody_home", gps: dict | None = None,
               visited_at=None):
    """A door-to-door visit by ``volunteer`` (who must see ``household``), through the service."""
    import uuid

    from fieldapp.auth.callers import Caller
    from fieldapp.clock import utcnow
    from fieldapp.services.visits import visit_create

    caller = Caller(user_id=volunteer.id, role=volunteer.role, unit_code=volunteer.unit_code,
                    province_code=None)
    visit, _ = visit_create(caller=caller, client_id=str(uuid.uuid4()), digest="0" * 64,
                            household_id=household.public_id, outcome=outcome,
                            visited_at=visited_at or utcnow(), gps=gps)
    db.session.commit()
    return visit


_organisation_codes = itertools.count(1)


def make_organisation(*, kind: str = "agency", unit_code: str = HUNG_CHAU, focal=None, members=(),
                      role: str = "staff", name: str | None = None):
    from fieldapp.services.organisations import organisation_create, organisation_member_add

    number = next(_organisation_codes)
    organisation = organisation_create(caller=None, code=f"ORG{number:06d}", kind=kind,
                                       name=name or f"Cơ quan {number}", unit_code=unit_code,
                                       focal_user_id=focal.id if focal else None)
    for person in members:
        organisation_member_add(caller=None, organisation=organisation, person_id=person.public_id, role=role)
    db.session.commit()
    return organisation


def move_to_neighbour(client, login, person):
    """A province officer of Nghệ An moves ``person`` (of Hùng Châu) to a new household of the province's next
    commune, over the API: returns that commune's code and the answer."""
    from sqlalchemy import select

    from fieldapp.models import Unit

    neighbour = db.session.scalar(select(Unit.code).where(Unit.parent_code == NGHE_AN, Unit.code != HUNG_CHAU)
                                  .order_by(Unit.code).limit(1))
    new_home = make_household(village=make_village(commune_code=neighbour))
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    return neighbour, client.patch(f"/api/v1/persons/{person.public_id}", headers=province,
                                   json={"household_id": new_home.public_id})
