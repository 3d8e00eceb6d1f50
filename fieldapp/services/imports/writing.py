"""Writing a checked household list: in bulk, in the caller's transaction (the caller commits once)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, update

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.geo import LatLon
from fieldapp.ids import new_public_id
from fieldapp.models.households import Household
from fieldapp.models.persons import Person, TargetGroup, target_group_column
from fieldapp.models.sync import stamp_expression
from fieldapp.models.tallies import tallies_retally
from fieldapp.services.imports.validation import ListedHousehold

#: Households written per statement batch (their people follow them).
WRITE_CHUNK = 1000

Progress = Callable[[int, "int | None"], None]

# render_nulls: without it the ORM leaves out the None values of each row, and rows with different
# blanks (no phone, no point) go in different statements: thousands of them instead of a few.
_BULK_HOUSEHOLDS = (insert(Household).returning(Household.id, sort_by_parameter_order=True)
                    .execution_options(render_nulls=True))
_BULK_PERSONS = insert(Person).execution_options(render_nulls=True)


def _unique_ids(prefix: str, count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(new_public_id(prefix))
    return list(ids)


def households_write(households: list[ListedHousehold], *, commune_code: str, caller: Caller | None,
                     progress: Progress | None, total_persons: int) -> None:
    now = utcnow()
    created_by = caller.user_id if caller else None
    household_ids = iter(_unique_ids("H", len(households)))
    person_ids = iter(_unique_ids("P", total_persons))
    written = 0
    for start in range(0, len(households), WRITE_CHUNK):
        chunk = households[start:start + WRITE_CHUNK]
        rows = []
        for household in chunk:
            values = {name: value for name, (value, _line) in household.values.items()}
            location = values.get("location")
            rows.append({
                "public_id": next(household_ids), "commune_code": commune_code, "village_id": values["village_id"],
                "address": values["address"],
                # EWKT text: bound through ST_GeomFromEWKT on PostGIS and SpatiaLite alike, in one batch.
                "location": LatLon(*location).wkt() if location else None,
                "is_poor": values.get("is_poor", False), "is_ethnic_minority": values.get("is_ethnic_minority", False),
                "is_remote": values.get("is_remote", False), "created_at": now, "created_by": created_by,
            })
        ids = db.session.scalars(_BULK_HOUSEHOLDS, rows).all()
        person_rows = []
        for household, household_id, row in zip(chunk, ids, rows, strict=True):
            for person in household.persons:
                person_rows.append({
                    "public_id": next(person_ids), "household_id": household_id, "commune_code": commune_code,
                    "village_id": row["village_id"], "full_name": person.full_name, "name_folded": person.name_folded,
                    "birth_year": person.birth_year, "sex": person.sex, "phone": person.phone,
                    "is_head": person.is_head, "has_disability": person.has_disability,
                    "is_ethnic_minority": row["is_ethnic_minority"], "created_at": now, "created_by": created_by,
                    **{target_group_column(group): group in person.target_groups for group in TargetGroup},
                })
        if person_rows:
            db.session.execute(_BULK_PERSONS, person_rows)
        _stamp(ids)
        tallies_retally(db.session, household_ids=ids)  # a bulk insert passes the roll-ups' hook by too
        written += len(person_rows)
        if progress:
            progress(written, total_persons)


def _stamp(household_ids: list[int]) -> None:
    """A bulk insert passes the flush hook by: stamp its rows for sync here (fieldapp/models/sync.py),
    or a phone assigned one of these households would never pull them as changed."""
    stamp = stamp_expression(db.session)
    for model, column in ((Household, Household.id), (Person, Person.household_id)):
        db.session.execute(update(model).where(column.in_(household_ids)).values(sync_tx=stamp)
                           .execution_options(synchronize_session=False))
