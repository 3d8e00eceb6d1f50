"""The list of people supported (danh sách người được hỗ trợ): every support given, whether at a
door, at a session or by a mentor, becomes one row per person and skill here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus
from fieldapp.models.organisations import Organisation
from fieldapp.models.persons import Person
from fieldapp.models.skills import Skill
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.teams import TeamMember
from fieldapp.replicas.operations import read_operation
from fieldapp.selectors.organisations import organisation_get, organisation_has_member


def _helper_team(user_id: int) -> int | None:
    return db.session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user_id)
                             .order_by(TeamMember.team_id).limit(1))


def support_organisation_check(*, caller: Caller, person: Person, organisation_id: int | None,
                               errors: dict | None = None) -> Organisation | None:
    """The organisation a person is helped on behalf of ("hỗ trợ người dân, doanh nghiệp": an enterprise
    owner helped to sell online), or ``None`` when none is named.

    It is looked up through the caller's reach exactly as ``GET /organisations/{id}`` would be (another
    area's, or one a volunteer is not the focal person of, is ``organisation.not_found`` like a made-up
    id), and the person must be one of its members (422 ``support.organisation_not_member``, with
    ``errors`` naming the entry): support on behalf of an organisation is evidence about that
    organisation, so it must be someone who belongs to it."""
    if organisation_id is None:
        return None
    organisation = organisation_get(caller=caller, organisation_id=organisation_id)
    if not organisation_has_member(organisation=organisation, person=person):
        raise AppError("support.organisation_not_member",
                       errors=errors or {"organisation_id": ["the person is not a member of it"]})
    return organisation


def support_records_add(*, caller: Caller | None, helper_id: int | None, person: Person, skills: list[Skill],
                        source_kind: EvidenceKind, source_id: str, supported_at: datetime, proof: str,
                        flags: list[str], evidence_status: EvidenceStatus = EvidenceStatus.counted,
                        organisation: Organisation | None = None) -> list[SupportRecord]:
    """One row per person and skill in the list of people supported, counted as its source is;
    ``organisation``, checked first by :func:`support_organisation_check`, is the party helped."""
    team_id = _helper_team(helper_id) if helper_id else None
    records = [SupportRecord(person_id=person.id, skill=Skill(skill), helper_id=helper_id, team_id=team_id,
                             commune_code=person.commune_code, village_id=person.village_id,
                             organisation_id=organisation.id if organisation else None,
                             source_kind=source_kind, source_id=source_id, supported_at=supported_at, proof=proof,
                             flags=list(flags), evidence_status=evidence_status) for skill in dict.fromkeys(skills)]
    db.session.add_all(records)
    return records


#: The file of each export format: its media type and the file name it is saved as.
EXPORT_FORMATS = {"csv": ("text/csv", "danh-sach-nguoi-duoc-ho-tro.csv"),
                  "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           "danh-sach-nguoi-duoc-ho-tro.xlsx")}


def support_records_export(*, caller: Caller, query, fmt: str, log_unit: str | None, filters: dict,
                           evidence_status: str) -> bytes:
    """The whole list ``query`` gives (a :func:`~fieldapp.selectors.support_records.support_records_query`),
    as CSV or XLSX with the official list's columns; the export itself recorded in the log
    (``support_record.export``: Decree 13/2023, and seed 003: lists are evidence). For
    ``GET /api/v1/support-records?format=`` and the console's downloads alike."""
    from sqlalchemy.orm import joinedload

    from fieldapp.errors import AppError
    from fieldapp.exports import csv_bytes, xlsx_bytes
    from fieldapp.selectors.support_records import EXPORT_LIMIT, HEADERS, support_rows
    from fieldapp.services.activity import activity_record

    def read():
        records = db.session.scalars(query.options(joinedload(SupportRecord.person)).limit(EXPORT_LIMIT + 1)).all()
        if len(records) > EXPORT_LIMIT:
            raise AppError("export.too_many_rows", max=EXPORT_LIMIT)
        return support_rows(records)

    # The list is read as one operation (on the replica when there is one, fieldapp/replicas/), the export
    # recorded on the primary after it.
    rows = read_operation(read)
    activity_record(action="support_record.export", object_type="support_records", object_id=fmt,
                    log_unit=log_unit, caller=caller,
                    body={"rows": len(rows), "format": fmt, "filters": filters, "evidence_status": evidence_status})
    if fmt == "csv":
        return csv_bytes(HEADERS, rows)
    return xlsx_bytes("Danh sách", HEADERS, rows)
