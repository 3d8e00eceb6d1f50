"""A field world of its own for the sync tests: a commune nobody else's test uses, its volunteer and
households, all committed for real.

Why real commits: a pull reads what finished transactions wrote (PostgreSQL: below the snapshot's
``xmin``, fieldapp/selectors/sync.py), and a test's rolled-back outer transaction never finishes.
Why a commune of its own: what these tests commit stays for the rest of the run, and no other test
may see it (nor these tests see theirs).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models import Household, Role, Unit, UnitLevel, User, Village
from tests.factories import HA_NOI, NGHE_AN, assign, make_household, make_person, make_team, make_user, make_village


def unused_commune() -> Unit:
    """A commune with a centroid and no village nor account yet (so no test has worked there: the
    real-commit tests' ``own_commune`` skips the same ones), outside the provinces the other tests
    work in (their province officers list every household there)."""
    used = select(Village.commune_code).union(select(User.unit_code).where(User.unit_code.is_not(None)))
    return db.session.scalars(select(Unit).where(
        Unit.level == UnitLevel.commune, Unit.centroid.is_not(None), Unit.code.not_in(used),
        Unit.parent_code.not_in([NGHE_AN, HA_NOI]))
        .order_by(func.random()).limit(1)).one()


@dataclass
class SyncWorld:
    commune: Unit
    lat: float
    lon: float
    volunteer: User
    team: object
    village: Village
    households: list[Household] = field(default_factory=list)
    people: dict[str, list] = field(default_factory=dict)

    def new_household(self, *, members: int = 2, assigned: bool = True, volunteer: User | None = None) -> Household:
        household = make_household(village=self.village, lat=self.lat + 0.001 * (len(self.households) % 5),
                                   lon=self.lon, address=f"Nhà số {len(self.households) + 1}")
        self.people[household.public_id] = [
            make_person(household=household, full_name=f"Người Thử {uuid.uuid4().hex[:6]}", birth_year=1960 + i,
                        is_head=(i == 0)) for i in range(members)]
        if assigned:
            assign(household, volunteer or self.volunteer, self.team)
        self.households.append(household)
        return household


def sync_world(*, households: int = 2) -> SyncWorld:
    commune = unused_commune()
    point = point_of(commune.centroid)
    volunteer = make_user(role=Role.volunteer, unit_code=commune.code, full_name="Trần Văn Đồng Bộ")
    team = make_team(members=[volunteer], commune_code=commune.code)
    village = make_village(commune_code=commune.code)
    world = SyncWorld(commune=commune, lat=point.lat, lon=point.lon, volunteer=volunteer, team=team, village=village)
    for _ in range(households):
        world.new_household()
    db.session.commit()
    return world


def settled() -> None:
    """Wait until a pull can see everything committed so far (PostgreSQL).

    A pull reads below the oldest transaction still running anywhere in the cluster (transaction ids
    are the cluster's, not a database's): while another test worker's test transaction that began
    before our last write is open, our write is held back, never lost. Tests that assert what a pull
    brings wait for that horizon to pass their writes first.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as connection:
        mark = connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
        connection.commit()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            horizon = connection.execute(
                text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one()
        if horizon > mark:
            return
        time.sleep(0.02)
    raise AssertionError("a transaction older than this test's writes stayed open for a minute")
