"""Organisations (agencies, schools, enterprises) and their members, managed by the officers of their
area; the focal person records members' skills; the list of members who have not finished."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role, Unit
from fieldapp.models.evidence import SkillStatus
from fieldapp.models.organisations import Organisation, OrganisationMember
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, PersonSkill, Skill
from fieldapp.services.skills import skills_record
from tests.factories import (
    HUNG_CHAU,
    NGHE_AN,
    OTHER_COMMUNE,
    make_household,
    make_organisation,
    make_person,
    make_user,
    make_village,
)


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _neighbour() -> str:
    """Another commune of Nghệ An."""
    return db.session.scalar(select(Unit.code).where(Unit.parent_code == NGHE_AN, Unit.code != HUNG_CHAU)
                             .order_by(Unit.code).limit(1))


def _grant(person, skills, **extra):
    skills_record(caller=None, person=person, grant=list(skills), evidence_kind="other", **extra)
    db.session.commit()


def test_an_officer_registers_an_agency_of_the_commune_and_the_code_is_unique_everywhere(client, officer, login):
    body = {"code": "UBND-17395", "kind": "agency", "name": "Uỷ ban nhân dân xã Hùng Châu", "unit_code": HUNG_CHAU}
    created = client.post("/api/v1/organisations", headers=officer, json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["kind"] == "agency" and created.get_json()["unit_code"] == HUNG_CHAU
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "organisation.create",
                                                          ActivityEntry.object_id == str(created.get_json()["id"])))
    assert entry.log_unit == HUNG_CHAU
    again = client.post("/api/v1/organisations", headers=officer, json={**body, "name": "Khác"})
    assert again.status_code == 409 and again.get_json()["error_code"] == "organisation.code_taken"
    elsewhere = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    theirs = client.post("/api/v1/organisations", headers=elsewhere, json={**body, "unit_code": OTHER_COMMUNE})
    assert theirs.status_code == 409  # a code is an official number: unique nationwide


def test_another_areas_organisation_answers_as_a_missing_one(client, officer):
    theirs = make_organisation(unit_code=OTHER_COMMUNE)
    for method, path, json in (("GET", f"/api/v1/organisations/{theirs.id}", None),
                               ("PATCH", f"/api/v1/organisations/{theirs.id}", {"name": "Đổi"}),
                               ("GET", f"/api/v1/organisations/{theirs.id}/members", None),
                               ("GET", "/api/v1/organisations/2000000000", None)):
        response = client.open(path, method=method, headers=officer, json=json)
        assert response.status_code == 404 and response.get_json()["error_code"] == "organisation.not_found", path
    assert db.session.get(Organisation, theirs.id).name != "Đổi"
    listed = client.get("/api/v1/organisations", headers=officer).get_json()
    assert theirs.id not in [o["id"] for o in listed["items"]]


def test_a_provinces_organisation_is_managed_by_the_provinces_officers_not_a_communes(client, login):
    agency = make_organisation(unit_code=NGHE_AN, name="Sở Khoa học và Công nghệ Nghệ An")
    commune = login(make_user(role=Role.commune_officer))
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    assert client.get(f"/api/v1/organisations/{agency.id}", headers=commune).status_code == 404
    patched = client.patch(f"/api/v1/organisations/{agency.id}", headers=province, json={"kind": "public_service_unit"})
    assert patched.status_code == 200 and patched.get_json()["kind"] == "public_service_unit"
    # Its staff live in any commune of the province.
    neighbour = make_person(household=make_household(village=make_village(commune_code=_neighbour())))
    added = client.post(f"/api/v1/organisations/{agency.id}/members", headers=province,
                        json={"person_id": neighbour.public_id, "role": "staff"})
    assert added.status_code == 201, added.get_json()
    member = db.session.get(OrganisationMember, (agency.id, neighbour.id))
    assert member.commune_code == neighbour.commune_code


def test_members_are_added_with_a_role_changed_and_removed(client, officer):
    school = make_organisation(kind="school")
    pupil = make_person()
    path = f"/api/v1/organisations/{school.id}/members"
    added = client.post(path, headers=officer, json={"person_id": pupil.public_id, "role": "pupil"})
    assert added.status_code == 201 and added.get_json()["role"] == "pupil"
    assert added.get_json()["person"]["id"] == pupil.public_id and added.get_json()["finished"] is False
    again = client.post(path, headers=officer, json={"person_id": pupil.public_id, "role": "staff"})
    assert again.status_code == 201 and db.session.get(OrganisationMember, (school.id, pupil.id)).role.value == "staff"
    listed = client.get(path, headers=officer).get_json()
    assert [m["person"]["id"] for m in listed["items"]] == [pupil.public_id]
    removed = client.delete(f"{path}/{pupil.public_id}", headers=officer)
    assert removed.status_code == 204
    assert db.session.get(OrganisationMember, (school.id, pupil.id)) is None
    assert client.delete(f"{path}/{pupil.public_id}", headers=officer).status_code == 204  # nothing to do
    actions = [e.action for e in db.session.scalars(select(ActivityEntry).where(
        ActivityEntry.object_type == "organisation", ActivityEntry.object_id == str(school.id)).order_by(
        ActivityEntry.id))]
    assert actions == ["organisation.create", "organisation.member_add", "organisation.member_add",
                       "organisation.member_remove"]


def test_a_person_outside_the_organisations_area_is_refused(client, login):
    officer = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    agency = make_organisation()  # Hùng Châu's
    neighbour = make_person(household=make_household(village=make_village(commune_code=_neighbour())))
    response = client.post(f"/api/v1/organisations/{agency.id}/members", headers=officer,
                           json={"person_id": neighbour.public_id, "role": "staff"})
    assert response.status_code == 422 and response.get_json()["error_code"] == "organisation.member_outside"


def test_the_members_who_have_not_finished(client, officer):
    agency = make_organisation(kind="agency")
    family, platform, partly, claimed, none = (make_person(full_name=name) for name in (
        "An Gia Đình", "Bình Nền Tảng", "Cường Một Phần", "Dung Tự Khai", "Em Chưa Học"))
    for person in (family, platform, partly, claimed, none):
        db.session.add(OrganisationMember(organisation_id=agency.id, person_id=person.id, role="staff",
                                          commune_code=person.commune_code))
    db.session.commit()
    _grant(family, DIGITAL_FAMILY_SKILLS)
    _grant(platform, [Skill.vneid_programme_confirmed], confirmed_on=date(2025, 6, 1))
    _grant(partly, sorted(DIGITAL_FAMILY_SKILLS)[:4])
    skills_record(caller=None, person=claimed, grant=list(DIGITAL_FAMILY_SKILLS), evidence_kind="other",
                  status=SkillStatus.claimed)
    db.session.commit()
    path = f"/api/v1/organisations/{agency.id}/members"
    unfinished = client.get(path, headers=officer, query_string={"finished": "false"}).get_json()
    assert [m["person"]["id"] for m in unfinished["items"]] == [partly.public_id, claimed.public_id, none.public_id]
    assert unfinished["total"] == 3 and not any(m["finished"] for m in unfinished["items"])
    finished = client.get(path, headers=officer, query_string={"finished": "true"}).get_json()
    assert [m["person"]["id"] for m in finished["items"]] == [family.public_id, platform.public_id]
    assert all(m["finished"] for m in finished["items"])
    everyone = client.get(path, headers=officer).get_json()
    assert everyone["total"] == 5
    views = db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == "organisation_members.view",
                                                           ActivityEntry.object_id == str(agency.id))).all()
    assert len(views) == 3


def test_the_focal_person_records_members_skills_and_nobody_elses(client, login):
    focal = make_user(role=Role.volunteer)
    agency = make_organisation(focal=focal)
    member, stranger = make_person(), make_person()
    db.session.add(OrganisationMember(organisation_id=agency.id, person_id=member.id, role="staff",
                                      commune_code=member.commune_code))
    db.session.commit()
    as_focal = login(focal)
    body = {"grant": ["online_safety"], "evidence_kind": "other", "evidence_ref": "sổ theo dõi"}
    recorded = client.post(f"/api/v1/organisations/{agency.id}/members/{member.public_id}/skills",
                           headers=as_focal, json=body)
    assert recorded.status_code == 200, recorded.get_json()
    held = db.session.get(PersonSkill, (member.id, Skill.online_safety))
    assert held is not None and held.status.value == "claimed"  # a volunteer's word: until an officer accepts it
    # Not a member: not found, even to the focal person (the skills route of /persons does not reach them either).
    other = client.post(f"/api/v1/organisations/{agency.id}/members/{stranger.public_id}/skills",
                        headers=as_focal, json=body)
    assert other.status_code == 404 and other.get_json()["error_code"] == "organisation.member_not_found"
    # Another volunteer of the commune, not its focal person, does not find the organisation.
    someone = login(make_user(role=Role.volunteer))
    assert client.post(f"/api/v1/organisations/{agency.id}/members/{member.public_id}/skills", headers=someone,
                       json=body).status_code == 404
    assert client.get("/api/v1/organisations", headers=someone).get_json()["items"] == []
    listed = client.get("/api/v1/organisations", headers=as_focal).get_json()
    assert [o["id"] for o in listed["items"]] == [agency.id]
    # The focal person does not manage the organisation.
    assert client.patch(f"/api/v1/organisations/{agency.id}", headers=as_focal, json={"name": "x"}).status_code == 403


def test_the_focal_person_is_named_and_changed_through_the_area(client, officer):
    agency = make_organisation()
    volunteer = make_user(role=Role.volunteer)
    patched = client.patch(f"/api/v1/organisations/{agency.id}", headers=officer,
                           json={"focal_user_id": volunteer.id})
    assert patched.status_code == 200 and patched.get_json()["focal_user_id"] == volunteer.id
    cleared = client.patch(f"/api/v1/organisations/{agency.id}", headers=officer, json={"focal_user_id": None})
    assert cleared.get_json()["focal_user_id"] is None
    entries = db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == "organisation.update",
                                                             ActivityEntry.object_id == str(agency.id))).all()
    assert len(entries) == 2


@pytest.mark.postgres_only
def test_row_level_security_hides_another_areas_organisations_and_members(app):
    from tests.test_row_level_security import _area, _postgres

    if not _postgres(app):
        pytest.skip("row-level security exists on PostgreSQL only; on SQLite the scope clauses are the wall")
    ours = make_organisation(members=[make_person()])
    province = make_organisation(unit_code=NGHE_AN)
    theirs = make_organisation(unit_code=OTHER_COMMUNE, members=[make_person(household=make_household(
        village=make_village(commune_code=OTHER_COMMUNE)))])
    for area, visible in ((HUNG_CHAU, {ours.id}), (NGHE_AN, {ours.id, province.id}), (OTHER_COMMUNE, {theirs.id}),
                          ("*", {ours.id, province.id, theirs.id})):
        _area(area)
        seen = set(db.session.scalars(sa.text("SELECT id FROM organisations WHERE id = ANY(:ids)"),
                                      {"ids": [ours.id, province.id, theirs.id]}))
        members = set(db.session.scalars(sa.text("SELECT organisation_id FROM organisation_members "
                                                 "WHERE organisation_id = ANY(:ids)"), {"ids": [ours.id, theirs.id]}))
        assert seen == visible, area
        assert members == visible - {province.id}, area
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with db.session.begin_nested():
            _area(HUNG_CHAU)  # (a savepoint starts in the test's own, nationwide, area)
            db.session.execute(sa.text("UPDATE organisations SET unit_code = :c WHERE id = :id"),
                               {"c": OTHER_COMMUNE, "id": ours.id})
