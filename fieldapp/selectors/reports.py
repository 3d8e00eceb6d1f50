"""The quarterly report of a commune (báo cáo quý, issue 17): what it holds and its status, read through
the caller's area; its workbook's sheets; and the communes' statuses for a quarter.

**What it holds** (:func:`report_contents`): the commune's indicators against targets for the reporting
quarter, exactly as ``GET /indicators?unit=…&period=2026-R3`` computes them (fieldapp/selectors/indicators.py);
each team's and each organisation's results by the same computation with the team or the organisation as
subject; the ambassadors with their mentees (the ≥5 rule, fieldapp/selectors/mentorships.py); and the ids
of the support records counted in the quarter (the list of people supported). Ids and counts only: names
are read when the report is shown, so an erasure reaches a frozen report too.

**Draft or frozen.** A draft is computed when read. A submitted or approved report shows what its last
submission froze (fieldapp/models/reports.py), and beside it what changed since (:class:`Late`): for each
indicator the live figure minus the frozen one, and the support records counted now but not then (recorded
late, or accepted on review since) or then but not now (rejected since). A frozen figure is never
replaced: evidence for the quarter's days recorded after approval is shown as late, never folded in.

**The checkpoint.** The figures are computed, then the commune's activity log is checkpointed (signed) in
the same transaction: the report names that checkpoint, the log's size and root hash (mobile_contract/
audit-log.md), so that an inspector verifies the log's export against it (``fieldapp audit verify FILE
--head HEAD``) and recounts from the entries ``seq < size``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.audit.formats import canonical, timestamp
from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import unit_in_scope
from fieldapp.clock import VIETNAM, utcnow
from fieldapp.errors import AppError, FieldMessage
from fieldapp.exports import vn_date
from fieldapp.extensions import db
from fieldapp.models.ambassadors import AMBASSADOR_ORIGIN_VI, Ambassador
from fieldapp.models.indicators import INDICATORS, NATIONAL_SOURCE
from fieldapp.models.organisations import ORGANISATION_KIND_VI, Organisation
from fieldapp.models.reports import REPORT_STATUS_VI, QuarterlyReport, ReportStatus
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.teams import TEAM_KIND_VI, Team
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.models.users import User
from fieldapp.models.villages import Village
from fieldapp.periods import Period, local_day, report_due, report_quarter_label
from fieldapp.selectors.ambassadors import ambassador_list_query
from fieldapp.selectors.indicators import Figure, Subject, indicators_compute
from fieldapp.selectors.mentorships import MENTEES_PER_MENTOR_TARGET, MenteeCounts
from fieldapp.selectors.organisations import organisation_list_query
from fieldapp.selectors.support_records import EXPORT_LIMIT, HEADERS, support_records_query, support_rows
from fieldapp.selectors.teams import team_list_query

#: The snapshot's format (``format`` in it): what its keys are.
SNAPSHOT_FORMAT = 1
#: Ids per ``IN (…)`` when records are read back by id (SQLite's bound parameters are limited).
_CHUNK = 5000


def report_commune_get(*, caller: Caller, code: str) -> Unit:
    """The commune ``code``, in the caller's area (404 ``unit.not_found`` otherwise, as every read)."""
    unit = unit_in_scope(caller, code)
    if unit is None or unit.level != UnitLevel.commune:
        raise AppError("request.invalid", errors={"unit": [FieldMessage(
            vi="Báo cáo quý là của một xã: cần mã xã (5 chữ số).",
            en="The quarterly report is a commune's: name a commune (5 digits).")]})
    return unit


def year_quarter(period: Period) -> tuple[int, int]:
    """(year, quarter) of a reporting quarter: it ends on the 9th of the quarter's last month."""
    return period.last.year, period.last.month // 3


def report_record_get(commune_code: str, period: Period) -> QuarterlyReport | None:
    """The commune's report row of the quarter; ``None`` while it is a draft never submitted."""
    year, quarter = year_quarter(period)
    return db.session.get(QuarterlyReport, (commune_code, year, quarter))


# --- what the report holds -----------------------------------------------------------------------------


def figure_json(figure: Figure) -> dict:
    """An indicator's figure as plain JSON: what a snapshot freezes, and what the API answers."""
    target = figure.target
    return {"code": figure.code, "numerator": figure.numerator, "denominator": figure.denominator,
            "denominator_source": figure.denominator_source, "registry_denominator": figure.registry_denominator,
            "population_source": figure.population_source, "share": figure.share,
            "target": None if target is None else {"share": target.share, "head_count": target.head_count,
                                                   "origin": target.origin, "source": target.source},
            "gap": figure.gap, "reached": figure.reached, "held_back": figure.held_back,
            "breakdowns": figure.breakdowns}


def _subject(kind: str, commune: Unit, id_, name: str, organisation_kind: str | None = None) -> Subject:
    return Subject(kind, id_, name, commune.code, commune.parent_code, commune.code,
                   organisation_kind=organisation_kind)


def counted_record_ids(*, caller: Caller, commune: Unit, period: Period) -> list[int]:
    """The support records counted for the commune on the quarter's days: the list of people supported."""
    query = support_records_query(caller=caller, commune_code=commune.code, since=period.starts_at,
                                  until=period.ends_before)
    ids = list(db.session.scalars(query.with_only_columns(SupportRecord.id).limit(EXPORT_LIMIT + 1)))
    if len(ids) > EXPORT_LIMIT:
        raise AppError("export.too_many_rows", max=EXPORT_LIMIT)
    return ids


def report_contents(*, caller: Caller, commune: Unit, period: Period) -> dict:
    """What the commune's report of the quarter holds, computed now (the snapshot a submission freezes)."""
    sheet = indicators_compute(_subject("commune", commune, commune.code, commune.name), period)
    teams = []
    for team in db.session.scalars(team_list_query(caller=caller, commune_code=commune.code)
                                   .options(selectinload(Team.members))):
        of_team = indicators_compute(_subject("team", commune, team.id, team.name), period)
        records = of_team.figure("support.records")
        teams.append({"team_id": team.id, "members": len(team.members), "support_records": records.numerator,
                      "held_back": records.held_back or 0,
                      "people_reached": of_team.figure("support.people").numerator,
                      "visits": of_team.figure("visits.count").numerator})
    organisations = []
    for organisation in db.session.scalars(organisation_list_query(caller=caller, unit_code=commune.code)):
        kind = getattr(organisation.kind, "value", organisation.kind)
        members = indicators_compute(_subject("organisation", commune, organisation.id, organisation.name, kind),
                                     period).figure("basic_skills.members")
        organisations.append({"organisation_id": organisation.id, "members": members.denominator or 0,
                              "members_finished": members.numerator, "held_back": members.held_back or 0})
    ambassadors = [{"user_id": ambassador.user_id, "active": int(active), "completed": int(completed)}
                   for ambassador, active, completed in db.session.execute(
                       ambassador_list_query(caller=caller, commune_code=commune.code))]
    return {"format": SNAPSHOT_FORMAT, "commune_code": commune.code, "quarter": report_quarter_label(period),
            "period": {"name": period.name, "first": period.first.isoformat(), "last": period.last.isoformat()},
            "computed_at": timestamp(sheet.as_of), "indicators": [figure_json(f) for f in sheet.figures],
            "teams": teams, "organisations": organisations, "ambassadors": ambassadors,
            "support_record_ids": counted_record_ids(caller=caller, commune=commune, period=period)}


def snapshot_text(contents: dict) -> str:
    """The canonical JSON a submission stores and hashes (sorted keys, no spaces: audit-log.md's)."""
    return canonical(contents).decode("utf-8")


# --- one report, as it is shown -----------------------------------------------------------------------------


@dataclass
class Late:
    """What changed since a report was frozen: per indicator, and the support records."""

    #: Per indicator: ``code``, ``flow`` (it counts the quarter's days: a change is evidence recorded late;
    #: else a state, whose change is progress since), ``frozen`` and ``live`` ({numerator, denominator,
    #: held_back}), ``numerator_change`` and ``denominator_change`` (live − frozen).
    figures: list[dict]
    #: Support records counted now for the quarter's days, not in the frozen list: recorded (or accepted) since.
    added_ids: list[int]
    #: Support records of the frozen list that no longer count (rejected on review since).
    withdrawn_ids: list[int]


@dataclass
class ReportView:
    commune: Unit
    province: Unit | None
    period: Period
    #: The row of its lifecycle; ``None`` for a draft never submitted.
    record: QuarterlyReport | None
    #: What it shows: the frozen snapshot, or (a draft) computed now.
    contents: dict
    #: For a frozen report, what changed since; ``None`` for a draft.
    late: Late | None
    #: The checkpoint the figures were computed against (a frozen one's, or the one signed for a draft).
    checkpoint: dict | None = None
    #: The checkpoint signed when it was read (equal to ``checkpoint`` for a draft).
    current_checkpoint: dict | None = None

    @property
    def status(self) -> ReportStatus:
        return ReportStatus.draft if self.record is None else ReportStatus(self.record.status)

    @property
    def frozen(self) -> bool:
        return self.status != ReportStatus.draft

    @property
    def quarter(self) -> str:
        return report_quarter_label(self.period)

    @property
    def due_before(self) -> date:
        return report_due(self.period)

    @property
    def returned(self) -> bool:
        return self.record is not None and self.status == ReportStatus.draft and self.record.returned_at is not None

    @property
    def computed_at(self) -> datetime:
        return _parsed(self.contents["computed_at"])


def _parsed(text: str) -> datetime:
    """A time as the log writes it (``…Z``, audit-log.md)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def report_get(*, caller: Caller, commune: Unit, period: Period) -> ReportView:
    """The commune's report of the quarter as it is shown: frozen (with what changed since) or computed now."""
    record = report_record_get(commune.code, period)
    province = db.session.get(Unit, commune.parent_code) if commune.parent_code else None
    if record is None or ReportStatus(record.status) == ReportStatus.draft:
        return ReportView(commune, province, period, record, report_contents(caller=caller, commune=commune,
                                                                             period=period), None)
    frozen = json.loads(record.snapshot)
    live = indicators_compute(_subject("commune", commune, commune.code, commune.name), period)
    then = {f["code"]: f for f in frozen["indicators"]}
    figures = []
    for figure in live.figures:
        was = then.get(figure.code, {"numerator": 0, "denominator": None, "held_back": None})
        change = None if figure.denominator is None or was["denominator"] is None \
            else figure.denominator - was["denominator"]
        figures.append({"code": figure.code, "flow": INDICATORS[figure.code].is_flow,
                        "frozen": {k: was[k] for k in ("numerator", "denominator", "held_back")},
                        "live": {"numerator": figure.numerator, "denominator": figure.denominator,
                                 "held_back": figure.held_back},
                        "numerator_change": figure.numerator - was["numerator"], "denominator_change": change})
    now_ids = set(counted_record_ids(caller=caller, commune=commune, period=period))
    then_ids = set(frozen["support_record_ids"])
    late = Late(figures=figures, added_ids=sorted(now_ids - then_ids), withdrawn_ids=sorted(then_ids - now_ids))
    return ReportView(commune, province, period, record, frozen, late, checkpoint=frozen["checkpoint"])


# --- the workbook ---------------------------------------------------------------------------------------------

SHEET_COVER = "Thông tin báo cáo"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_PEOPLE = "Danh sách người được hỗ trợ"
SHEET_TEAMS = "Các tổ"
SHEET_ORGANISATIONS = "Cơ quan, trường, doanh nghiệp"
SHEET_AMBASSADORS = "Đại sứ số"
SHEET_CHECKPOINT = "Điểm chốt nhật ký"
#: The sheets of what changed since the report was frozen: by its status.
SHEET_LATE = {ReportStatus.submitted: "Bổ sung sau khi nộp", ReportStatus.approved: "Bổ sung sau khi phê duyệt"}
SHEET_LATE_RECORDS = {ReportStatus.submitted: "Hỗ trợ bổ sung sau khi nộp",
                      ReportStatus.approved: "Hỗ trợ bổ sung sau phê duyệt"}

COVER_HEADERS = ["Mục", "Nội dung"]
INDICATOR_HEADERS = ["Mã chỉ tiêu", "Chỉ tiêu", "Tử số", "Mẫu số", "Nguồn mẫu số", "Tỷ lệ (%)", "Mục tiêu (%)",
                     "Mục tiêu (số người)", "Nguồn mục tiêu", "Còn thiếu (điểm % hoặc số người)", "Đánh giá",
                     "Chưa được tính (chờ xem xét)"]
TEAM_HEADERS = ["Mã tổ", "Tên tổ", "Loại tổ", "Thôn/xóm", "Tổ trưởng", "Số thành viên", "Lượt hỗ trợ",
                "Số người được hỗ trợ", "Lượt đến hộ", "Lượt hỗ trợ chưa được tính (chờ xem xét)"]
ORGANISATION_HEADERS = ["Mã", "Tên", "Loại", "Số thành viên", "Thành viên đã hoàn thành", "Tỷ lệ hoàn thành (%)",
                        "Chưa được tính (chờ xem xét)"]
AMBASSADOR_HEADERS = ["Mã tài khoản", "Họ và tên", "Nguồn", "Đang kèm cặp", "Đã hoàn thành",
                      "Tổng số người được kèm cặp", f"Đạt chuẩn kèm cặp từ {MENTEES_PER_MENTOR_TARGET} người",
                      "Còn thiếu"]
CHECKPOINT_HEADERS = ["Mục", "Điểm chốt của số liệu", "Điểm chốt khi xuất báo cáo"]
LATE_HEADERS = ["Mã chỉ tiêu", "Chỉ tiêu", "Loại số liệu", "Tử số đã chốt", "Tử số hiện nay", "Chênh lệch tử số",
                "Mẫu số đã chốt", "Mẫu số hiện nay", "Chênh lệch mẫu số"]
LATE_RECORD_HEADERS = [*HEADERS, "Thay đổi so với số liệu đã chốt"]

#: ``denominator_source`` in the sheet.
DENOMINATOR_VI = {"registry": "Sổ đăng ký hộ, nhân khẩu", "population": "Số liệu dân số", "records": "Số lượt ghi nhận"}
#: Whether an indicator counts the quarter's days or a state.
FLOW_VI = {True: "Trong kỳ (theo ngày của kỳ báo cáo)", False: "Hiện trạng (tại thời điểm tính)"}
LATE_ADDED, LATE_WITHDRAWN = "Ghi nhận thêm", "Không còn được tính"


def _percent(share: float | None):
    return "" if share is None else round(share * 100, 2)


def _blank(value):
    return "" if value is None else value


def _origin(view: ReportView, target: dict) -> str:
    if target["origin"] == "national":
        return f"Mục tiêu chung toàn quốc: {target['source'] or NATIONAL_SOURCE}"
    units = {view.commune.code: view.commune.name, **({view.province.code: view.province.name} if view.province
                                                        else {})}
    return f"{units.get(target['origin'], target['origin'])} ({target['origin']}): {target['source']}"


def _denominator(figure: dict) -> str:
    source = figure["denominator_source"]
    if source is None:
        return ""
    text = DENOMINATOR_VI.get(source, source)
    if source == "population":
        text += f" ({figure['population_source']}; sổ đăng ký: {figure['registry_denominator']})"
    return text


def indicator_rows(view: ReportView) -> list[list]:
    """The indicators sheet's rows (also the CSV), in the catalogue's order."""
    rows = []
    for figure in view.contents["indicators"]:
        target = figure["target"] or {}
        head_count = target.get("head_count")
        gap = figure["gap"]
        rows.append([figure["code"], INDICATORS[figure["code"]].name, figure["numerator"],
                     _blank(figure["denominator"]), _denominator(figure), _percent(figure["share"]),
                     _percent(target.get("share")), _blank(head_count), _origin(view, target) if target else "",
                     "" if gap is None else (gap if head_count is not None else round(gap * 100, 2)),
                     {True: "Đạt", False: "Chưa đạt"}.get(figure["reached"], ""), _blank(figure["held_back"])])
    return rows


def _names(key, ids, *columns) -> dict:
    """{id: (columns…)} of the rows whose ``key`` is one of ``ids``."""
    if not ids:
        return {}
    return {row[0]: row[1:] for row in db.session.execute(select(key, *columns).where(key.in_(ids)))}


def _records(caller: Caller, commune: Unit, ids: list[int]) -> list[SupportRecord]:
    """The support records ``ids`` (whatever their status now), newest first as the export lists them."""
    found = []
    for start in range(0, len(ids), _CHUNK):
        found += db.session.scalars(support_records_query(caller=caller, commune_code=commune.code,
                                                          evidence_status=None)
                                    .where(SupportRecord.id.in_(ids[start:start + _CHUNK]))).all()
    return sorted(found, key=lambda r: (r.supported_at, r.id), reverse=True)


def _cover_rows(view: ReportView, exported_at: datetime) -> list[list]:
    record = view.record
    users = _names(User.id, [i for i in (record.submitted_by, record.approved_by, record.returned_by)
                                   if i] if record else [], User.full_name)

    def who(user_id):  # (an account of another area is not shown under row-level security: its id then)
        return "" if not user_id else users.get(user_id, (f"tài khoản {user_id}",))[0]

    status = REPORT_STATUS_VI[view.status] + (" — đã bị tỉnh trả lại" if view.returned else "")
    rows = [["Xã", view.commune.name], ["Mã xã", view.commune.code],
            ["Tỉnh", view.province.name if view.province else ""],
            ["Kỳ báo cáo", f"Quý {view.period.last.month // 3}/{view.period.last.year} ({view.quarter})"],
            ["Từ ngày", vn_date(view.period.first)], ["Đến ngày", vn_date(view.period.last)],
            ["Hạn nộp", f"trước ngày {vn_date(view.due_before)}"], ["Trạng thái", status]]
    if record is not None:
        rows += [["Nộp lúc", vn_date(record.submitted_at)], ["Người nộp", who(record.submitted_by)],
                 ["Phê duyệt lúc", vn_date(record.approved_at)], ["Người phê duyệt", who(record.approved_by)]]
        if view.returned:
            rows += [["Trả lại lúc", vn_date(record.returned_at)], ["Người trả lại", who(record.returned_by)],
                     ["Lý do trả lại", record.return_reason or ""]]
    rows += [["Số liệu", "Đã chốt khi nộp: không thay đổi; phần ghi nhận sau được ghi riêng ở các trang bổ sung"
              if view.frozen else "Tính tại thời điểm xuất báo cáo (dự thảo)"],
             ["Số liệu tính lúc", vn_date(view.computed_at)],
             ["Mã SHA-256 của số liệu đã chốt", record.snapshot_sha256 if view.frozen else ""],
             ["Xuất lúc", vn_date(exported_at)]]
    return rows


def team_results(view: ReportView) -> list[dict]:
    """Each team's results in the quarter (frozen, or computed now), with its name, village and leader."""
    rows = view.contents["teams"]
    teams = _names(Team.id, [r["team_id"] for r in rows], Team.name, Team.kind, Team.village_id, Team.leader_id)
    villages = _names(Village.id, [t[2] for t in teams.values() if t[2]], Village.name)
    leaders = _names(User.id, [t[3] for t in teams.values()], User.full_name)
    out = []
    for row in rows:
        name, kind, village_id, leader_id = teams.get(row["team_id"], ("", None, None, None))
        out.append({**row, "name": name, "kind": getattr(kind, "value", kind), "kind_vi": TEAM_KIND_VI.get(kind, ""),
                    "village_id": village_id, "village": villages.get(village_id, ("",))[0],
                    "leader_id": leader_id, "leader": leaders.get(leader_id, ("",))[0]})
    return out


def organisation_results(view: ReportView) -> list[dict]:
    """Each organisation of the commune with its members and those who finished (the basic skills)."""
    rows = view.contents["organisations"]
    found = _names(Organisation.id, [r["organisation_id"] for r in rows], Organisation.code, Organisation.name,
                   Organisation.kind)
    out = []
    for row in rows:
        code, name, kind = found.get(row["organisation_id"], ("", "", None))
        share = round(row["members_finished"] / row["members"], 4) if row["members"] else None
        out.append({**row, "code": code, "name": name, "kind": getattr(kind, "value", kind),
                    "kind_vi": ORGANISATION_KIND_VI.get(kind, ""), "share": share})
    return out


def ambassador_results(view: ReportView) -> list[dict]:
    """Each ambassador of the commune with their mentees, against the ≥5 rule."""
    rows = view.contents["ambassadors"]
    names = _names(User.id, [r["user_id"] for r in rows], User.full_name)
    origins = _names(Ambassador.user_id, [r["user_id"] for r in rows], Ambassador.origin)
    out = []
    for row in rows:
        counts = MenteeCounts(active=row["active"], completed=row["completed"])
        origin = origins.get(row["user_id"], (None,))[0]
        out.append({**row, "full_name": names.get(row["user_id"], ("",))[0], "origin": getattr(origin, "value", origin),
                    "origin_vi": AMBASSADOR_ORIGIN_VI.get(origin, ""), "counted": counts.counted,
                    "meets_target": counts.meets_target, "lacking": counts.lacking})
    return out


def _team_rows(view: ReportView) -> list[list]:
    return [[t["team_id"], t["name"], t["kind_vi"], t["village"], t["leader"], t["members"], t["support_records"],
             t["people_reached"], t["visits"], t["held_back"]] for t in team_results(view)]


def _organisation_rows(view: ReportView) -> list[list]:
    return [[o["code"], o["name"], o["kind_vi"], o["members"], o["members_finished"], _percent(o["share"]),
             o["held_back"]] for o in organisation_results(view)]


def _ambassador_rows(view: ReportView) -> list[list]:
    return [[a["user_id"], a["full_name"], a["origin_vi"], a["active"], a["completed"], a["counted"],
             "Đạt" if a["meets_target"] else "Chưa đạt", a["lacking"]] for a in ambassador_results(view)]


def _checkpoint_rows(view: ReportView) -> list[list]:
    columns = [view.checkpoint or {}, view.current_checkpoint or {}]

    def row(label, value):
        return [label, *(value(c) if c else "" for c in columns)]

    log = view.commune.code
    return [row("Nhật ký", lambda c: c["log"]), row("Số mục (size)", lambda c: c["size"]),
            row("Số thứ tự của mục cuối (seq)", lambda c: c["size"] - 1),
            row("Mã băm gốc (root_hash)", lambda c: c["root_hash"]), row("Thời điểm ký (UTC)", lambda c: c["time"]),
            row("Mã khoá (key_id)", lambda c: c["key_id"]), row("Chữ ký (signature)", lambda c: c["signature"]),
            row("Khoá công khai (public_key)", lambda c: c["public_key"]),
            row("Điểm chốt dạng JSON (lưu thành tệp head.json)", lambda c: canonical(c).decode("utf-8")),
            ["Cách kiểm tra", f"Tải nhật ký của xã (GET /api/v1/activity/export?log={log}), lưu điểm chốt thành "
                              f"head.json rồi chạy: fieldapp audit verify nhat-ky-{log}.jsonl --head head.json. Số "
                              "liệu được tính trên các mục có seq từ 0 đến size − 1.", ""]]


def _late_rows(view: ReportView) -> list[list]:
    rows = []
    for change in view.late.figures:
        rows.append([change["code"], INDICATORS[change["code"]].name, FLOW_VI[change["flow"]],
                     change["frozen"]["numerator"], change["live"]["numerator"], change["numerator_change"],
                     _blank(change["frozen"]["denominator"]), _blank(change["live"]["denominator"]),
                     _blank(change["denominator_change"])])
    return rows


def report_sheets(view: ReportView, *, caller: Caller, exported_at: datetime | None = None) -> list[tuple]:
    """The workbook's sheets, in order: ``(title, headers, rows)`` (fieldapp/exports.py ``xlsx_book``)."""
    people = support_rows(_records(caller, view.commune, view.contents["support_record_ids"]))
    sheets = [(SHEET_COVER, COVER_HEADERS, _cover_rows(view, exported_at or utcnow())),
              (SHEET_INDICATORS, INDICATOR_HEADERS, indicator_rows(view)),
              (SHEET_PEOPLE, HEADERS, people),
              (SHEET_TEAMS, TEAM_HEADERS, _team_rows(view)),
              (SHEET_ORGANISATIONS, ORGANISATION_HEADERS, _organisation_rows(view)),
              (SHEET_AMBASSADORS, AMBASSADOR_HEADERS, _ambassador_rows(view)),
              (SHEET_CHECKPOINT, CHECKPOINT_HEADERS, _checkpoint_rows(view))]
    if view.late is not None:
        changed = {**{i: LATE_ADDED for i in view.late.added_ids},
                   **{i: LATE_WITHDRAWN for i in view.late.withdrawn_ids}}
        records = _records(caller, view.commune, sorted(changed))
        late_records = [[*row, changed[record.id]] for row, record in zip(support_rows(records), records, strict=True)]
        sheets += [(SHEET_LATE[view.status], LATE_HEADERS, _late_rows(view)),
                   (SHEET_LATE_RECORDS[view.status], LATE_RECORD_HEADERS, late_records)]
    return sheets


# --- the communes' statuses for a quarter -------------------------------------------------------------------

#: The order of the status list: what still has to be done first.
_STATUS_ORDER = {ReportStatus.draft: 0, ReportStatus.submitted: 1, ReportStatus.approved: 2}


@dataclass(frozen=True)
class CommuneStatus:
    commune: Unit
    record: QuarterlyReport | None
    due_before: date

    @property
    def status(self) -> ReportStatus:
        return ReportStatus.draft if self.record is None else ReportStatus(self.record.status)

    @property
    def returned(self) -> bool:
        return self.status == ReportStatus.draft and self.record is not None and self.record.returned_at is not None

    @property
    def submitted_late(self) -> bool | None:
        """Whether it was submitted on or after its due day (Vietnam's); ``None`` while not submitted."""
        if self.status == ReportStatus.draft or self.record.submitted_at is None:
            return None
        return local_day(self.record.submitted_at) >= self.due_before


@dataclass(frozen=True)
class StatusList:
    unit: Unit
    period: Period
    today: date
    communes: list[CommuneStatus]

    @property
    def quarter(self) -> str:
        return report_quarter_label(self.period)

    @property
    def due_before(self) -> date:
        return report_due(self.period)

    @property
    def due_at(self) -> datetime:
        """The instant a report is late: the due day's midnight, Vietnam's time."""
        return datetime.combine(self.due_before, datetime.min.time(), VIETNAM)

    @property
    def days_left(self) -> int:
        """Days until the due day: 1 on its eve (the last day to submit), 0 or less once it is late."""
        return (self.due_before - self.today).days

    @property
    def not_submitted(self) -> list[str]:
        return [c.commune.code for c in self.communes if c.status == ReportStatus.draft]

    def count(self, status: ReportStatus) -> int:
        return sum(1 for c in self.communes if c.status == status)


def report_status_list(*, caller: Caller, code: str | None, period: Period) -> StatusList:
    """Each commune's report of the quarter (a province's communes, or one commune), the ones not submitted
    first (returned ones before those never submitted), then those awaiting approval, then the approved."""
    code = code or caller.unit_code
    if code is None:
        raise AppError("request.invalid", errors={"unit": ["required: name a province or a commune"]})
    unit = unit_in_scope(caller, code)
    if unit is None:
        raise AppError("request.invalid", errors={"unit": ["name a province or a commune"]})
    if unit.level == UnitLevel.province:
        communes = list(db.session.scalars(select(Unit).where(Unit.parent_code == unit.code).order_by(Unit.code)))
    else:
        communes = [unit]
    year, quarter = year_quarter(period)
    records = {r.commune_code: r for r in db.session.scalars(select(QuarterlyReport).where(
        QuarterlyReport.commune_code.in_([c.code for c in communes]), QuarterlyReport.year == year,
        QuarterlyReport.quarter == quarter))}
    due = report_due(period)
    rows = [CommuneStatus(c, records.get(c.code), due) for c in communes]
    rows.sort(key=lambda r: (_STATUS_ORDER[r.status], not r.returned, r.commune.code))
    return StatusList(unit=unit, period=period, today=local_day(utcnow()), communes=rows)
