"""A person's rights: see their data, erase it; counts and the activity log survive erasure."""
from fieldapp.audit.verify import verify_export
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Person, Role, SupportRecord
from fieldapp.services.skills import skills_record
from tests.audit_helpers import export_bytes, pinned_keys
from tests.factories import make_household, make_person, make_user


def test_a_person_can_get_all_their_data(client, login):
    person = make_person(full_name="Nguyễn Thị Hoà", phone="0912345678", citizen_id="040158001234",
                         consent={"purpose": "Hỗ trợ kỹ năng số", "notice_version": "2026-01"})
    skills_record(caller=None, person=person, grant=["cashless_payment"], evidence_kind="visit", evidence_ref="V1")
    db.session.commit()
    officer = make_user(role=Role.commune_officer)
    data = client.get(f"/api/v1/persons/{person.public_id}/data-export", headers=login(officer)).get_json()
    assert data["full_name"] == "Nguyễn Thị Hoà" and data["phone"] == "+84912345678"
    assert data["skills"][0]["skill"] == "cashless_payment" and data["skill_history"][0]["change"] == "granted"
    assert data["consent"]["notice_version"] == "2026-01" and "040158001234" not in str(data)
    assert db.session.query(ActivityEntry).filter_by(action="person.data_export", actor_id=officer.id).count() == 1


def test_erasure_removes_identity_keeps_counts_and_the_log_verifies(client, login):
    household = make_household()
    person = make_person(household=household, full_name="Lê Thị Xoá", phone="0912345679", birth_year=1950,
                         citizen_id="040158001235")
    db.session.add(SupportRecord(person_id=person.id, skill="online_safety", commune_code=person.commune_code,
                                 village_id=person.village_id, source_kind="visit", source_id="V9",
                                 supported_at=person.created_at, proof="gps", flags=[]))
    db.session.commit()
    headers = login(make_user(role=Role.commune_officer))
    before = export_bytes(person.commune_code)
    erased = client.post(f"/api/v1/persons/{person.public_id}/erase", headers=headers).get_json()
    assert erased["full_name"] == "[đã xoá]" and erased["phone"] is None and erased["birth_year"] == 1950
    row = db.session.get(Person, person.id)
    assert row.citizen_id_hash is None and row.erased_at is not None and row.name_folded == ""
    assert db.session.query(SupportRecord).filter_by(person_id=person.id).count() == 1  # still counted
    after = export_bytes(person.commune_code)
    assert all(b"X\xc3\xb3a" not in line and b"912345679" not in line for line in after)
    assert after[1:len(before) - 1] == before[1:len(before) - 1]  # earlier entries unchanged
    assert verify_export(after, pinned_keys=pinned_keys()).entries >= len(before) - 2
    found = client.get("/api/v1/persons", headers=headers, query_string={"q": "le thi xoa"}).get_json()
    assert found["total"] == 0


def test_volunteers_cannot_export_or_erase(client, login):
    person = make_person()
    volunteer = login(make_user())
    assert client.get(f"/api/v1/persons/{person.public_id}/data-export", headers=volunteer).status_code == 403
    assert client.post(f"/api/v1/persons/{person.public_id}/erase", headers=volunteer).status_code == 403
