"""The list of people supported (danh sách người được hỗ trợ), through the caller's reach: the rows,
and the columns of the official list as it is exported and shown in the console."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope, communes_clause
from fieldapp.clock import utcnow
from fieldapp.exports import vn_date
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus
from fieldapp.models.households import Household
from fieldapp.models.persons import ELDERLY_FROM_AGE, Person
from fieldapp.models.skills import SKILL_VI, Skill
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.teams import Team
from fieldapp.models.users import Role, User
from fieldapp.models.villages import Village

PRIORITY_GROUPS = ("elderly", "disability", "poor", "ethnic_minority", "remote")


def support_records_query(*, caller: Caller, commune_code: str | None = None, village_id: int | None = None,
                          team_id: int | None = None, volunteer_id: int | None = None,
                          organisation_id: int | None = None,
                          since: datetime | None = None, until: datetime | None = None, skill: Skill | None = None,
                          priority_group: str | None = None, verified_only: bool = False,
                          evidence_status: EvidenceStatus | None = EvidenceStatus.counted) -> Select:
    """The list of people supported: volunteers see their own, leaders their teams', officers their area's.

    Only what counts by default (fieldapp.models.evidence): support recorded on evidence held back for
    review, or rejected, is listed only when asked for (``evidence_status``; ``None`` for all).

    ``organisation_id``: the support given on behalf of that organisation, within the caller's reach
    as every other filter (an organisation none of those records names lists nothing)."""
    # Each record's organisation is shown with it (code and name): loaded with the rows.
    query = (select(SupportRecord).join(Person, Person.id == SupportRecord.person_id)
             .options(selectinload(SupportRecord.organisation)))
    if caller.role == Role.volunteer:
        query = query.where(SupportRecord.helper_id == caller.user_id)
    elif caller.role == Role.team_leader:
        query = query.where(SupportRecord.team_id.in_(select(Team.id).where(Team.leader_id == caller.user_id))
                            | (SupportRecord.helper_id == caller.user_id))
    else:
        query = query.where(communes_clause(caller, SupportRecord.commune_code))
    if commune_code:
        commune_in_scope(caller, commune_code)  # another area's commune is not found (404), as everywhere
        query = query.where(SupportRecord.commune_code == commune_code)
    if village_id:
        query = query.where(SupportRecord.village_id == village_id)
    if team_id:
        query = query.where(SupportRecord.team_id == team_id)
    if volunteer_id:
        query = query.where(SupportRecord.helper_id == volunteer_id)
    if organisation_id:
        query = query.where(SupportRecord.organisation_id == organisation_id)
    if since:
        query = query.where(SupportRecord.supported_at >= since)
    if until:
        query = query.where(SupportRecord.supported_at < until)
    if skill:
        query = query.where(SupportRecord.skill == skill)
    if evidence_status is not None:
        query = query.where(SupportRecord.evidence_status == evidence_status)
    if verified_only:
        query = query.where(func.json_array_length(SupportRecord.flags) == 0)
    if priority_group:
        if priority_group == "elderly":
            query = query.where(Person.birth_year <= utcnow().year - ELDERLY_FROM_AGE)
        elif priority_group == "disability":
            query = query.where(Person.has_disability.is_(True))
        elif priority_group == "ethnic_minority":
            query = query.where(Person.is_ethnic_minority.is_(True))
        else:
            flag = {"poor": Household.is_poor, "remote": Household.is_remote}[priority_group]
            query = query.where(Person.household_id.in_(select(Household.id).where(flag.is_(True))))
    return query.order_by(SupportRecord.supported_at.desc(), SupportRecord.id.desc())


#: The most rows one export of the list holds (more: ``export.too_many_rows``, filter it further).
EXPORT_LIMIT = 200_000




SOURCE_VI = {EvidenceKind.visit: "Đến tận nhà", EvidenceKind.session: "Lớp học", EvidenceKind.mentoring: "Đại sứ số",
             EvidenceKind.import_: "Nhập từ danh sách", EvidenceKind.other: "Khác"}


PROOF_VI = {"qr_plate": "Quét mã QR của hộ", "qr_session": "Quét mã QR buổi học", "qr_card": "Quét thẻ QR cá nhân",
            "gps": "Vị trí GPS", "none": "Không có"}


#: The columns of the official list; the organisation's two come last, so that a sheet read by column
#: position before they existed reads the same.
HEADERS = ["STT", "Họ và tên", "Năm sinh", "Thôn/xóm", "Kỹ năng được hỗ trợ", "Hình thức", "Thời gian hỗ trợ",
           "Người hỗ trợ", "Minh chứng", "Ghi chú kiểm tra", "Mã người dân", "Mã bản ghi", "Mã tổ chức được hỗ trợ",
           "Tên tổ chức được hỗ trợ"]


def support_rows(records: list[SupportRecord], *, start: int = 1) -> list[list]:
    """The rows of the official list, in the columns of :data:`HEADERS` (numbered from ``start``):
    the export's and the console page's."""
    villages = {v.id: v.name for v in db.session.query(Village).filter(
        Village.id.in_({r.village_id for r in records}))}
    helpers = {u.id: u.full_name for u in db.session.query(User).filter(
        User.id.in_({r.helper_id for r in records if r.helper_id}))}
    return [[n, r.person.shown_name, r.person.birth_year or "", villages.get(r.village_id, ""), SKILL_VI[r.skill],
             SOURCE_VI[r.source_kind], vn_date(r.supported_at), helpers.get(r.helper_id, ""),
             PROOF_VI.get(r.proof, r.proof), ", ".join(r.flags), r.person.public_id, r.id,
             r.organisation.code if r.organisation else "", r.organisation.name if r.organisation else ""]
            for n, r in enumerate(records, start=start)]
