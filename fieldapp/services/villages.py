"""Villages under a commune."""
from __future__ import annotations

from fieldapp.auth.caller import Caller
from fieldapp.extensions import db
from fieldapp.models.villages import Village, VillageKind
from fieldapp.services.activity import activity_record
from fieldapp.text import fold, nfc


def village_create(*, commune_code: str, name: str, kind: VillageKind | str, caller: Caller | None) -> Village:
    village = Village(commune_code=commune_code, name=nfc(name), name_folded=fold(name), kind=VillageKind(kind))
    db.session.add(village)
    db.session.flush()
    activity_record(action="village.create", object_type="village", object_id=village.id,
                    log_unit=commune_code, caller=caller, body={"kind": village.kind.value})
    return village
