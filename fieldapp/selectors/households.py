"""Reads of households and people, always through the caller's area (out of area: 404)."""
from __future__ import annotations

import enum
from functools import cache

from sqlalchemy import ARRAY, Integer, Select, any_, bindparam, case, exists, select
from sqlalchemy.orm import contains_eager, selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import household_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon
from fieldapp.models.assignments import Assignment
from fieldapp.models.evidence import SkillStatus
from fieldapp.models.households import Household
from fieldapp.models.persons import Person
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, PersonSkill
from fieldapp.selectors import spatial
from fieldapp.text import fold


class HouseholdStatus(str, enum.Enum):
    not_visited = "not_visited"
    visited = "visited"
    digital_family = "digital_family"


def status_of(household: Household) -> HouseholdStatus:
    if household.digital_family_at is not None:
        return HouseholdStatus.digital_family
    if household.last_visited_at is not None:
        return HouseholdStatus.visited
    return HouseholdStatus.not_visited


def _status_clause(status: HouseholdStatus):
    if status == HouseholdStatus.digital_family:
        return Household.digital_family_at.is_not(None)
    if status == HouseholdStatus.visited:
        return Household.digital_family_at.is_(None) & Household.last_visited_at.is_not(None)
    return Household.digital_family_at.is_(None) & Household.last_visited_at.is_(None)


def household_list_query(*, caller: Caller, village_id: int | None = None, assignee_id: int | None = None,
                         status: HouseholdStatus | None = None, digital_family: bool | None = None,
                         near: LatLon | None = None, radius_m: float | None = None,
                         priority: str | None = None, q: str | None = None) -> Select:
    """Households in the caller's area, filtered; nearest first when ``near`` is given."""
    query = select(Household).options(selectinload(Household.active_assignment)).where(household_clause(caller))
    if village_id is not None:
        query = query.where(Household.village_id == village_id)
    if assignee_id is not None:
        query = query.where(exists().where(Assignment.household_id == Household.id, Assignment.ended_at.is_(None),
                                           Assignment.volunteer_id == assignee_id))
    if status is not None:
        query = query.where(_status_clause(status))
    if digital_family is not None:
        query = query.where(Household.digital_family_at.is_not(None) if digital_family
                            else Household.digital_family_at.is_(None))
    if priority:
        query = query.where(getattr(Household, priority).is_(True))
    if q:
        members = select(Person.household_id).where(Person.name_folded.contains(fold(q), autoescape=True),
                                                    Person.consent_withdrawn_at.is_(None))
        query = query.where(Household.id.in_(members))
    if near is not None:
        query = query.where(spatial.within_radius(Household.id, Household.location, "households", near, radius_m))
        return query.order_by(spatial.distance_m(Household.location, near), Household.id)
    return query.order_by(Household.id)


def household_get(*, caller: Caller, public_id: str) -> Household:
    household = db.session.scalar(select(Household).options(selectinload(Household.active_assignment))
                                  .where(Household.public_id == public_id, household_clause(caller)))
    if household is None:
        raise AppError("household.not_found")
    return household


def household_by_ids(*, caller: Caller, public_ids: list[str]) -> list[Household]:
    found = list(db.session.scalars(select(Household).where(Household.public_id.in_(public_ids),
                                                            household_clause(caller))))
    missing = sorted(set(public_ids) - {h.public_id for h in found})
    if missing:
        raise AppError("household.not_found", errors={"household_ids": missing})
    return found


def worklist_household_ids(*, caller: Caller) -> list[int]:
    """The households the volunteer has now, from the assignments' partial index alone."""
    return list(db.session.scalars(select(Assignment.household_id).where(
        Assignment.volunteer_id == caller.user_id, Assignment.ended_at.is_(None))))


def worklist_query(*, caller: Caller, household_ids: list[int], here: LatLon | None) -> Select:
    """The volunteer's assigned households (``household_ids``, from :func:`worklist_household_ids`),
    nearest first (distance computed by the database), households without a location last. The
    assignment join also fills ``active_assignment``.

    The ids are read first and given to the query as a list: PostGIS declares its distance functions
    costly, and without the list the planner would rather scan every household in parallel than
    probe a few hundred by key.
    """
    query = (select(Household).join(Household.active_assignment)
             .where(Assignment.volunteer_id == caller.user_id, _id_in(Household.id, household_ids))
             .options(contains_eager(Household.active_assignment)))
    if here is None:
        return query.order_by(Household.id)
    distance = spatial.distance_m(Household.location, here)
    return query.add_columns(distance.label("distance_m")).order_by(
        case((Household.location.is_(None), 1), else_=0), distance, Household.id)


def _id_in(column, ids: list[int] | None = None, *, postgresql: bool | None = None):
    """``column IN ids``: one array parameter on PostgreSQL (``= ANY``), a list elsewhere. Without
    ``ids`` the parameter ``ids`` is left to bind at execution (a statement built once)."""
    if postgresql is None:
        postgresql = db.session.get_bind().dialect.name == "postgresql"
    value = {} if ids is None else {"value": list(ids)}
    if postgresql:
        return column == any_(bindparam("ids", type_=ARRAY(Integer), **value))
    return column.in_(bindparam("ids", expanding=True, **value))


@cache
def _lacking_statement(*, postgresql: bool) -> Select:
    """Members of the households ``:ids`` with their Digital Family skills, built once (every
    worklist page runs it)."""
    return (select(Person.id, Person.household_id, Person.public_id, Person.full_name, PersonSkill.skill)
            .outerjoin(PersonSkill, (PersonSkill.person_id == Person.id) & PersonSkill.skill.in_(DIGITAL_FAMILY_SKILLS)
                       & (PersonSkill.status == SkillStatus.confirmed))  # a claimed skill is still lacking
            .where(_id_in(Person.household_id, postgresql=postgresql),
                   # Nobody may help someone who withdrew consent (or was erased): not work to do.
                   Person.consent_withdrawn_at.is_(None))
            .order_by(Person.id))


def people_lacking_skills(household_ids: list[int]) -> dict[int, list[dict]]:
    """For each household, its members who lack some of the five skills, and which (one plain query)."""
    if not household_ids:
        return {}
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    rows = db.session.execute(_lacking_statement(postgresql=postgresql), {"ids": list(household_ids)}).all()
    people: dict[int, tuple] = {}
    held: dict[int, set] = {}
    for person_id, household_id, public_id, full_name, skill in rows:
        people.setdefault(person_id, (household_id, public_id, full_name))
        if skill is not None:
            held.setdefault(person_id, set()).add(skill)
    lacking: dict[int, list[dict]] = {}
    for person_id, (household_id, public_id, full_name) in people.items():
        missing = DIGITAL_FAMILY_SKILLS - held.get(person_id, set())
        if missing:
            lacking.setdefault(household_id, []).append(
                {"id": public_id, "full_name": full_name, "missing_skills": sorted(skill.value for skill in missing)})
    return lacking


def households_selected(*, caller: Caller, household_ids: list[str] | None = None, village_id: int | None = None,
                        polygon: dict | None = None) -> list[Household]:
    """The households of the caller's area that one of three ways names: by ids (one outside the area:
    404, as an id that does not exist), every household of a village of the area, or those whose point
    lies in a GeoJSON polygon drawn on the map. The rule of ``POST /assignments`` and the console's
    selection alike (:func:`fieldapp.services.assignments.assignments_create`)."""
    from fieldapp.geo import polygon_from_geojson
    from fieldapp.selectors.villages import village_get

    if sum(x is not None for x in (household_ids, village_id, polygon)) != 1:
        raise AppError("assignment.target_required")
    if household_ids is not None:
        return sorted(household_by_ids(caller=caller, public_ids=list(dict.fromkeys(household_ids))),
                      key=lambda h: h.id)
    query = select(Household).where(household_clause(caller))
    if village_id is not None:
        query = query.where(Household.village_id == village_get(caller=caller, village_id=village_id).id)
    else:
        shape = polygon_from_geojson(polygon)
        query = query.where(spatial.within_polygon(Household.id, Household.location, "households", shape))
    return list(db.session.scalars(query.order_by(Household.id)))


#: The most households one map draws (a commune has a few thousand; a province's officer narrows it to a village).
MAP_POINTS_MAX = 5000


def household_points(query: Select) -> list[tuple[str, LatLon, HouseholdStatus, str]]:
    """(public id, point, status, address) of the households of ``query`` (a :func:`household_list_query`)
    that have a location, at most :data:`MAP_POINTS_MAX`: what the map draws."""
    from fieldapp.geo import point_of

    sub = query.order_by(None).where(Household.location.is_not(None)).limit(MAP_POINTS_MAX).subquery()
    rows = db.session.execute(select(sub.c.public_id, sub.c.location, sub.c.digital_family_at,
                                     sub.c.last_visited_at, sub.c.address)).all()
    points = []
    for public_id, location, digital_family_at, last_visited_at, address in rows:
        point = point_of(location)
        if point is None:
            continue
        status = (HouseholdStatus.digital_family if digital_family_at is not None else HouseholdStatus.visited
                  if last_visited_at is not None else HouseholdStatus.not_visited)
        points.append((public_id, point, status, address))
    return points


def household_heads(households: list[Household]) -> dict[int, str]:
    """The name each household is known by: its head's, else a member's (a name that may still be shown:
    not of someone who withdrew consent or was erased). One query."""
    if not households:
        return {}
    rows = db.session.execute(select(Person.household_id, Person.full_name, Person.is_head).where(
        Person.household_id.in_([h.id for h in households]), Person.consent_withdrawn_at.is_(None),
        Person.erased_at.is_(None)).order_by(Person.is_head.desc(), Person.id)).all()
    heads: dict[int, str] = {}
    for household_id, full_name, _is_head in rows:
        heads.setdefault(household_id, full_name)
    return heads


def household_plate_labels(households: list[Household]) -> list[dict]:
    """The labels of the households' QR plates (fieldapp/qr/sheets.py): the signed code, the head of
    household, the address; for ``GET /households/plates.pdf`` and the console's print alike."""
    from fieldapp.qr import signing

    heads = household_heads(households)
    return [{"payload": signing.qr_text("household", household.public_id),
             "title": f"Hộ {heads[household.id]}" if household.id in heads else f"Hộ {household.public_id}",
             "address": f"{household.address} · {household.village.name} · {household.public_id}"}
            for household in households]
