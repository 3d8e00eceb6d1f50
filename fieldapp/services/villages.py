"""Villages under a commune, defined by its officers."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import polygon_element, polygon_from_geojson
from fieldapp.models.villages import Village, VillageKind
from fieldapp.services.activity import activity_record
from fieldapp.text import fold, nfc


def village_create(*, commune_code: str, name: str, kind: VillageKind | str, caller: Caller | None,
                   boundary: dict | None = None) -> Village:
    """A village of ``commune_code``; names are unique within the commune (folded)."""
    if caller is not None:
        commune_in_scope(caller, commune_code)
    name = nfc(name)
    if db.session.scalar(select(Village.id).where(Village.commune_code == commune_code,
                                                  Village.name_folded == fold(name))) is not None:
        raise AppError("village.name_taken", errors={"name": ["taken"]})
    village = Village(commune_code=commune_code, name=name, name_folded=fold(name), kind=VillageKind(kind),
                      boundary=polygon_element(polygon_from_geojson(boundary, field="boundary")) if boundary else None)
    db.session.add(village)
    db.session.flush()
    activity_record(action="village.create", object_type="village", object_id=village.id,
                    log_unit=commune_code, caller=caller,
                    body={"kind": village.kind.value, "has_boundary": boundary is not None})
    return village
