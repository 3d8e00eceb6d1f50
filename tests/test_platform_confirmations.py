"""The national platform's confirmations, imported by an officer: matched by the citizen id's keyed hash
within the caller's area, a dry run, all or nothing on a bad row, unmatched rows and duplicates reported."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role
from fieldapp.models.confirmations import PlatformConfirmation
from fieldapp.models.skills import PersonSkill, Skill, SkillEvent
from tests.factories import OTHER_COMMUNE, make_household, make_person, make_user, make_village

AN = "040090001111"
BINH = "001185002222"
FAR = "038200003333"  # a citizen of another commune
NOBODY = "079300004444"
HEADER = "identifier,date,course,level"


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


@pytest.fixture
def people():
    household = make_household()
    far = make_household(village=make_village(commune_code=OTHER_COMMUNE))
    return {"an": make_person(household=household, citizen_id=AN),
            "binh": make_person(household=household, citizen_id=BINH),
            "far": make_person(household=far, citizen_id=FAR)}


def _post(client, headers, body: bytes, *, dry_run: bool, name="vneid.csv"):
    return client.post("/api/v1/platform-confirmations/import", headers=headers,
                       query_string={"dry_run": "true" if dry_run else "false"},
                       data={"file": (io.BytesIO(body), name)})


def _csv(*rows: str) -> bytes:
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode("utf-8")


def _ids(people) -> list[str]:
    return [person.public_id for person in people.values()]


def _logged(people) -> list[str]:
    """What this test's import logged: the import, and the grants to these people (other tests that
    commit for real leave entries of their own in the same database)."""
    return list(db.session.scalars(select(ActivityEntry.action).where(
        (ActivityEntry.action == "platform_confirmation.import")
        | ((ActivityEntry.action == "person.skills_record") & ActivityEntry.object_id.in_(_ids(people))))))


def _kept(person) -> list[tuple]:
    """The confirmations kept for ``person``: (date, course, level, line)."""
    return [(c.confirmed_on, c.course, c.level, c.line) for c in db.session.scalars(
        select(PlatformConfirmation).where(PlatformConfirmation.person_id == person.id)
        .order_by(PlatformConfirmation.id))]


def _confirmed(person) -> PersonSkill | None:
    return db.session.scalar(select(PersonSkill).where(PersonSkill.person_id == person.id,
                                                       PersonSkill.skill == Skill.vneid_programme_confirmed))


def test_matched_rows_grant_the_confirmation_with_its_date_and_source(client, officer, people):
    body = _csv(f"{AN},15/06/2025,Bình dân học vụ số,Cơ bản", f"{BINH},2025-07-01,,")
    response = _post(client, officer, body, dry_run=False)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["ok"], report["rows"], report["confirmed"], report["unmatched"], report["duplicates"]) == (
        True, 2, 2, [], [])
    an, binh = _confirmed(people["an"]), _confirmed(people["binh"])
    assert an.confirmed_on == date(2025, 6, 15) and binh.confirmed_on == date(2025, 7, 1)
    assert an.evidence_kind.value == "import" and an.evidence_ref.startswith("platform:")
    assert an.evidence_ref.endswith(":2") and binh.evidence_ref.endswith(":3")  # the file's lines
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "platform_confirmation.import"))
    assert entry is not None and AN not in entry.body and BINH not in entry.body
    granted = db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == "person.skills_record",
                                                             ActivityEntry.object_id.in_(_ids(people)))).all()
    assert sorted(e.object_id for e in granted) == sorted([people["an"].public_id, people["binh"].public_id])
    assert not any(AN in e.body for e in db.session.scalars(select(ActivityEntry)))


def test_each_grant_keeps_the_course_the_level_and_the_source_and_the_person_shows_it(client, officer, people):
    import hashlib

    body = _csv(f"{AN},15/06/2025,Bình dân học vụ số,Cơ bản", f"{BINH},2025-07-01,,")
    assert _post(client, officer, body, dry_run=False).get_json()["confirmed"] == 2
    assert _kept(people["an"]) == [(date(2025, 6, 15), "Bình dân học vụ số", "Cơ bản", 2)]
    assert _kept(people["binh"]) == [(date(2025, 7, 1), None, None, 3)]
    kept = db.session.scalar(select(PlatformConfirmation).where(PlatformConfirmation.person_id == people["an"].id))
    assert kept.file_sha256 == hashlib.sha256(body).hexdigest() and kept.commune_code == people["an"].commune_code
    assert kept.evidence_ref == _confirmed(people["an"]).evidence_ref

    person = client.get(f"/api/v1/persons/{people['an'].public_id}", headers=officer).get_json()
    skill = next(s for s in person["skills"] if s["skill"] == "vneid_programme_confirmed")
    shown = skill["platform_confirmation"]
    assert (shown["confirmed_on"], shown["course"], shown["level"], shown["line"]) == (
        "2025-06-15", "Bình dân học vụ số", "Cơ bản", 2)
    assert shown["file_sha256"] == kept.file_sha256 and shown["imported_by"] == kept.imported_by
    # The lists load it with the page, and read it the same.
    listed = client.get("/api/v1/persons", headers=officer, query_string={"q": "Người"}).get_json()["items"]
    by_id = {p["id"]: p for p in listed}
    for key, course in (("an", "Bình dân học vụ số"), ("binh", None)):
        skills = {s["skill"]: s for s in by_id[people[key].public_id]["skills"]}
        assert skills["vneid_programme_confirmed"]["platform_confirmation"]["course"] == course
    # The person's own data export holds it too.
    data = client.get(f"/api/v1/persons/{people['an'].public_id}/data-export", headers=officer).get_json()
    assert [(c["course"], c["level"], c["line"]) for c in data["platform_confirmations"]] == [
        ("Bình dân học vụ số", "Cơ bản", 2)]


def test_a_confirmation_recorded_by_hand_and_other_skills_show_none(client, officer, people):
    from fieldapp.services.skills import skills_record

    skills_record(caller=None, person=people["an"], grant=[Skill.vneid_programme_confirmed, Skill.online_safety],
                  evidence_kind="other", evidence_ref="Công văn 12/UBND", confirmed_on=date(2025, 5, 1))
    db.session.commit()
    person = client.get(f"/api/v1/persons/{people['an'].public_id}", headers=officer).get_json()
    assert {s["skill"]: s["platform_confirmation"] for s in person["skills"]} == {
        "vneid_programme_confirmed": None, "online_safety": None}
    # The platform's row for them later is a duplicate: the hand-recorded confirmation stays, none is kept.
    report = _post(client, officer, _csv(f"{AN},15/06/2025,Bình dân học vụ số,Cơ bản"), dry_run=False).get_json()
    assert [d["code"] for d in report["duplicates"]] == ["import.confirmation_held"]
    assert _kept(people["an"]) == []


def test_unmatched_rows_are_reported_and_another_area_is_not_searched(client, officer, people):
    response = _post(client, officer, _csv(f"{AN},15/06/2025,,", f"{NOBODY},15/06/2025,,", f"{FAR},15/06/2025,,"),
                     dry_run=False)
    report = response.get_json()
    assert report["ok"] and report["confirmed"] == 1
    assert [(u["line"], u["code"]) for u in report["unmatched"]] == [
        (3, "import.identifier_unmatched"), (4, "import.identifier_unmatched")]
    assert _confirmed(people["far"]) is None  # Ba Đình's resident is outside a Hùng Châu officer's area


def test_duplicates_are_skipped_and_reported(client, officer, people):
    first = _post(client, officer, _csv(f"{AN},15/06/2025,Khoá A,Cơ bản", f"{AN},20/06/2025,Khoá B,Nâng cao"),
                  dry_run=False).get_json()
    assert first["confirmed"] == 1
    assert [(d["line"], d["code"]) for d in first["duplicates"]] == [(3, "import.confirmation_repeated")]
    assert _confirmed(people["an"]).confirmed_on == date(2025, 6, 15)  # the identifier's first row
    again = _post(client, officer, _csv(f"{AN},01/08/2025,Khoá C,Nâng cao"), dry_run=False).get_json()
    assert again["confirmed"] == 0 and [d["code"] for d in again["duplicates"]] == ["import.confirmation_held"]
    assert _confirmed(people["an"]).confirmed_on == date(2025, 6, 15)
    assert _kept(people["an"]) == [(date(2025, 6, 15), "Khoá A", "Cơ bản", 2)]  # the first confirmation only
    assert db.session.scalars(select(SkillEvent.change).where(SkillEvent.person_id == people["an"].id)).all() == [
        "granted"]  # once


def test_a_dry_run_matches_and_writes_nothing(client, officer, people):
    response = _post(client, officer, _csv(f"{AN},15/06/2025,Khoá A,Cơ bản", f"{NOBODY},15/06/2025,,"), dry_run=True)
    report = response.get_json()
    assert response.status_code == 200 and report["dry_run"] and report["confirmed"] == 1
    assert len(report["unmatched"]) == 1
    assert _confirmed(people["an"]) is None
    assert _kept(people["an"]) == []
    assert _logged(people) == []


@pytest.mark.parametrize("bad, code", [
    ("12345,15/06/2025,,", "import.identifier_invalid"),
    (",15/06/2025,,", "import.identifier_missing"),
    (f"{BINH},,,", "import.date_missing"),
    (f"{BINH},31/02/2025,,", "import.date_invalid"),
    (f"{BINH},15/06/2020,,", "import.date_out_of_range"),
    (f"{BINH},15/06/2025,{'x' * 201},", "import.text_too_long"),
])
def test_one_bad_row_writes_nothing(client, officer, people, bad, code):
    response = _post(client, officer, _csv(f"{AN},15/06/2025,,", bad), dry_run=False)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error_code"] == "import.has_errors"
    assert [(row["line"], row["code"]) for row in body["errors"]["rows"]] == [(3, code)]
    assert "12345" not in str(body)  # an identifier is never echoed back
    assert _confirmed(people["an"]) is None and _kept(people["an"]) == []
    assert _logged(people) == []


def test_a_missing_column_is_reported_on_the_dry_run(client, officer, people):
    report = _post(client, officer, b"identifier,course\r\n040090001111,x\r\n", dry_run=True).get_json()
    assert not report["ok"] and [e["code"] for e in report["errors"]] == ["import.column_missing"]


def test_xlsx_with_vietnamese_headers_numbers_and_date_cells(client, officer, people):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Số CCCD", "Ngày xác nhận", "Khóa học", "Cấp độ"])
    sheet.append([1, int(AN), datetime(2025, 9, 2), "Bình dân học vụ số", "Nâng cao"])  # leading 0 lost in Excel
    out = io.BytesIO()
    workbook.save(out)
    report = _post(client, officer, out.getvalue(), dry_run=False, name="vneid.xlsx").get_json()
    assert report["ok"] and report["confirmed"] == 1, report
    assert _confirmed(people["an"]).confirmed_on == date(2025, 9, 2)


def test_a_person_who_withdrew_consent_is_not_recorded(client, officer, people):
    from fieldapp.clock import utcnow

    people["an"].consent_withdrawn_at = utcnow()
    db.session.commit()
    report = _post(client, officer, _csv(f"{AN},15/06/2025,,"), dry_run=False).get_json()
    assert report["confirmed"] == 0 and [u["code"] for u in report["unmatched"]] == ["import.identifier_restricted"]
    assert _confirmed(people["an"]) is None


def test_volunteers_may_not_import(client, login, people):
    volunteer = login(make_user(role=Role.volunteer))
    assert _post(client, volunteer, _csv(f"{AN},15/06/2025,,"), dry_run=True).status_code == 403


def test_the_confirmation_moves_with_the_person_to_another_commune(client, officer, people, login):
    """A province officer moves a confirmed resident to a household of the next commune: the new commune's
    officer reads the skill with its confirmation (on PostgreSQL its row follows the person's commune)."""
    from tests.factories import move_to_neighbour

    _post(client, officer, _csv(f"{AN},15/06/2025,Bình dân học vụ số,Cơ bản"), dry_run=False)
    neighbour, moved = move_to_neighbour(client, login, people["an"])
    assert moved.status_code == 200, moved.get_json()
    assert db.session.scalar(select(PlatformConfirmation.commune_code).where(
        PlatformConfirmation.person_id == people["an"].id)) == neighbour
    theirs = login(make_user(role=Role.commune_officer, unit_code=neighbour))
    person = client.get(f"/api/v1/persons/{people['an'].public_id}", headers=theirs).get_json()
    skill = next(s for s in person["skills"] if s["skill"] == "vneid_programme_confirmed")
    assert (skill["platform_confirmation"]["course"], skill["platform_confirmation"]["level"]) == (
        "Bình dân học vụ số", "Cơ bản")
