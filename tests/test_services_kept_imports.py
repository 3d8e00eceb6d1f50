"""The console's kept household lists (fieldapp/services/imports/kept.py): kept only when clean, imported
from the bytes that were checked, by who checked them, once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Household, KeptImport, Role
from fieldapp.services.imports import kept as kept_service
from fieldapp.services.imports.kept import households_check_and_keep, kept_import_run
from tests.factories import HUNG_CHAU, make_user, make_village
from tests.test_services_imports import csv_bytes

HEADER = ["Mã hộ", "Thôn/xóm", "Địa chỉ", "Họ và tên", "Năm sinh", "Giới tính", "Chủ hộ"]


@pytest.fixture
def officer():
    make_village(name="Xóm Giữ Tệp")
    return Caller.of_user(make_user(role=Role.commune_officer))


def _keep(caller, rows):
    return households_check_and_keep(caller=caller, commune_code=HUNG_CHAU, filename="ds.csv",
                                     stream=csv_bytes([HEADER, *rows]))


def _households() -> int:
    return db.session.scalar(select(func.count()).select_from(Household).where(Household.address == "Nhà giữ 1"))


def test_a_list_with_errors_is_not_kept(officer):
    report, kept = _keep(officer, [["K1", "Xóm Không Có", "Nhà giữ 1", "Trần Văn A", "1980", "Nam", "x"]])
    assert not report.ok and kept is None
    assert db.session.scalar(select(func.count()).select_from(KeptImport)) == 0


def test_a_claim_made_meanwhile_by_another_request_wins_and_nothing_is_imported_twice(officer, monkeypatch):
    """Two sends of one token at once: the second reads the list before the first claims it, and its
    conditional claim then finds it claimed (the row's lock serialises them on PostgreSQL)."""
    _report, kept = _keep(officer, [["K1", "Xóm Giữ Tệp", "Nhà giữ 1", "Trần Văn Giữ", "1980", "Nam", "x"]])
    read = kept_service.kept_import_get

    def read_then_claimed_elsewhere(**kwargs):
        found = read(**kwargs)
        db.session.execute(update(KeptImport).where(KeptImport.id == found.id).values(imported_at=utcnow()))
        return found

    monkeypatch.setattr(kept_service, "kept_import_get", read_then_claimed_elsewhere)
    run = kept_import_run(caller=officer, token=kept.token)
    assert run.replayed and run.report is None
    assert _households() == 0
    assert not db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == "household.import")).all()


def test_the_kept_list_is_imported_with_the_dry_runs_choice_about_duplicates(officer):
    rows = [["K1", "Xóm Giữ Tệp", "Nhà giữ 1", "Trần Văn Giữ", "1980", "Nam", "x"],
            ["K2", "Xóm Giữ Tệp", "Nhà giữ 2", "Trần Văn Giữ", "1980", "Nam", "x"]]
    assert [e["code"] for e in _keep(officer, rows)[0].errors] == ["import.duplicate_in_file"]
    report, kept = households_check_and_keep(caller=officer, commune_code=HUNG_CHAU, filename="ds.csv",
                                             stream=csv_bytes([HEADER, *rows]), allow_duplicates=True)
    assert report.ok and kept.kept.allow_duplicates
    run = kept_import_run(caller=officer, token=kept.token, expected_sha256=kept.kept.content_sha256)
    assert run.report.ok and run.report.persons == 2


def test_another_caller_of_the_same_account_and_area_is_the_same_and_any_other_is_not(officer):
    _report, kept = _keep(officer, [["K1", "Xóm Giữ Tệp", "Nhà giữ 1", "Trần Văn Giữ", "1980", "Nam", "x"]])
    province = Caller(user_id=officer.user_id, role=Role.province_officer, unit_code="40", province_code="40")
    with pytest.raises(AppError) as refused:
        kept_import_run(caller=province, token=kept.token)
    assert refused.value.spec.code == "import.kept_not_found"
    assert _households() == 0
    assert kept_import_run(caller=officer, token=kept.token).report.households == 1
