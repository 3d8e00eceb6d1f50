"""POST /sync/push: one result per item, each through its single endpoint's service, once."""
import random
import uuid

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ClientReceipt, Person, SupportRecord, Visit
from fieldapp.qr import signing
from tests.sync_world import sync_world

pytestmark = pytest.mark.real_commits


@pytest.fixture
def world():
    return sync_world(households=2)


def _visit_item(world, household, people, client_id=None, **overrides):
    data = {"household_id": household.public_id, "outcome": "supported", "visited_at": utcnow().isoformat(),
            "plate": signing.qr_text("household", household.public_id),
            "gps": {"lat": world.lat, "lon": world.lon, "accuracy_m": 8}, "people": people}
    data.update(overrides)
    return {"client_id": client_id or str(uuid.uuid4()), "kind": "visit", "data": data}


def _person_item(household, name="Lê Thị Mới", client_id=None):
    return {"client_id": client_id or str(uuid.uuid4()), "kind": "person.create",
            "data": {"household_id": household.public_id, "full_name": name, "birth_year": 1990,
                     "confirm_duplicate": True}}


def _push(client, headers, items):
    response = client.post("/api/v1/sync/push", headers=headers, json={"items": items})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_each_kind_of_result(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    grandmother = world.people[household.public_id][0]
    good = _visit_item(world, household, [{"person_id": grandmother.public_id, "skills": ["cashless_payment"]}])
    bad = _visit_item(world, household, [], outcome="not_a_outcome")
    stale = {"client_id": str(uuid.uuid4()), "kind": "person.update",
             "data": {"person_id": grandmother.public_id, "version": grandmother.version + 5,
                      "changes": {"full_name": "Tên Khác"}}}
    first = _push(client, headers, [good, bad, stale])
    assert [r["result"] for r in first["results"]] == ["applied", "rejected", "conflict"]
    assert first["results"][1]["error"]["error_code"] == "request.invalid"
    assert first["results"][2]["error"]["error_code"] == "record.version_conflict"
    assert first["results"][2]["record"]["version"] == grandmother.version
    again = _push(client, headers, [good])
    assert again["results"][0]["result"] == "duplicate"
    assert again["results"][0]["record"] == first["results"][0]["record"]
    assert db.session.query(Visit).filter_by(client_id=good["client_id"]).count() == 1


def test_a_person_made_offline_is_helped_in_the_same_push_whatever_the_order(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    person = _person_item(household)
    visit = _visit_item(world, household, [{"person_client_id": person["client_id"], "skills": ["online_safety"]}])
    results = _push(client, headers, [visit, person])["results"]  # the visit first: makers still go first
    assert [r["result"] for r in results] == ["applied", "applied"]
    made = db.session.query(Person).filter_by(public_id=results[1]["record"]["id"]).one()
    assert db.session.query(SupportRecord).filter_by(person_id=made.id).count() == 1


def test_a_reference_to_a_person_not_pushed_yet_is_retryable_then_applies(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    person = _person_item(household)
    visit = _visit_item(world, household, [{"person_client_id": person["client_id"], "skills": ["online_safety"]}])
    early = _push(client, headers, [visit])["results"][0]
    assert (early["result"], early["retry"], early["error"]["error_code"]) == (
        "rejected", True, "sync.unknown_reference")
    assert [r["result"] for r in _push(client, headers, [person])["results"]] == ["applied"]
    assert [r["result"] for r in _push(client, headers, [visit])["results"]] == ["applied"]


def test_target_groups_are_made_and_corrected_offline_as_on_the_single_endpoints(client, login, world):
    """person.create and person.update take ``target_groups`` as POST /members and PATCH /persons do: the
    groups given on create; on update the whole set, [] emptying it, a change bumping the version."""
    headers = login(world.volunteer)
    household = world.households[0]
    grandmother, second = world.people[household.public_id]
    version = grandmother.version
    made = _person_item(household, name="Lê Thị Nhóm")
    made["data"]["target_groups"] = ["pupils_students", "residents"]
    corrected = {"client_id": str(uuid.uuid4()), "kind": "person.update",
                 "data": {"person_id": grandmother.public_id, "version": version,
                          "changes": {"target_groups": ["public_staff", "residents"]}}}
    made_then_corrected = {"client_id": str(uuid.uuid4()), "kind": "person.update",
                           "data": {"person_client_id": made["client_id"], "version": 1,
                                    "changes": {"target_groups": []}}}
    unknown = {"client_id": str(uuid.uuid4()), "kind": "person.update",
               "data": {"person_id": second.public_id, "version": second.version,
                        "changes": {"target_groups": ["farmers"]}}}
    results = _push(client, headers, [corrected, made, made_then_corrected, unknown])["results"]
    assert [r["result"] for r in results] == ["applied", "applied", "applied", "rejected"], results
    assert (results[0]["record"]["target_groups"], results[0]["record"]["version"]) == (
        ["public_staff", "residents"], version + 1)
    assert results[1]["record"]["target_groups"] == ["pupils_students", "residents"]
    assert (results[2]["record"]["target_groups"], results[2]["record"]["version"]) == ([], 2)
    assert results[3]["error"]["error_code"] == "request.invalid"
    assert "target_groups" in results[3]["error"]["errors"]["changes"], results[3]
    db.session.expire_all()
    stored = db.session.get(Person, grandmother.id)
    assert [g.value for g in stored.target_groups] == ["public_staff", "residents"]
    assert db.session.query(Person).filter_by(public_id=results[1]["record"]["id"]).one().target_groups == []
    assert db.session.get(Person, second.id).target_groups == []


def test_same_batch_twice_shuffled_or_split_ends_in_the_same_state(client, login, world):
    headers = login(world.volunteer)
    household = world.households[1]
    members = world.people[household.public_id]
    person = _person_item(household, name="Phạm Văn Chia")
    items = [person,
             _visit_item(world, household, [{"person_client_id": person["client_id"], "skills": ["online_shopping"]},
                                            {"person_id": members[0].public_id, "skills": ["vneid_level2"]}]),
             {"client_id": str(uuid.uuid4()), "kind": "skills.record",
              "data": {"person_id": members[1].public_id, "grant": ["online_documents"], "evidence_kind": "other"}},
             {"client_id": str(uuid.uuid4()), "kind": "person.update",
              "data": {"person_id": members[1].public_id, "version": members[1].version,
                       "changes": {"phone": "0912345678"}}}]
    shuffled = items[:]
    random.Random(7).shuffle(shuffled)
    half = len(shuffled) // 2
    first = _push(client, headers, shuffled[:half])
    second = _push(client, headers, shuffled[half:])
    again = _push(client, headers, items)
    assert all(r["result"] in ("applied", "rejected") for r in first["results"] + second["results"]), (first, second)
    retried = [i for i, r in zip(shuffled, first["results"] + second["results"], strict=True)
               if r["result"] == "rejected"]
    assert all(r["retry"] for r in first["results"] + second["results"] if r["result"] == "rejected"), [
        r for r in first["results"] + second["results"] if r["result"] == "rejected"]
    if retried:
        _push(client, headers, retried)
    final = _push(client, headers, items)
    assert [r["result"] for r in final["results"]] == ["duplicate"] * 4, final
    assert again["rejected"] <= len(retried)
    assert db.session.query(ClientReceipt).filter(ClientReceipt.client_id.in_(
        [i["client_id"] for i in items])).count() == 3  # the visit is its own row
    assert db.session.query(Visit).filter_by(client_id=items[1]["client_id"]).count() == 1


def test_a_bad_envelope_is_one_rejected_item(client, login, world):
    headers = login(world.volunteer)
    person = _person_item(world.households[0])
    results = _push(client, headers, [{"kind": "visit"}, {"client_id": "nope", "kind": "visit", "data": {}},
                                      {"client_id": str(uuid.uuid4()), "kind": "teleport", "data": {}},
                                      person])["results"]
    assert [r["result"] for r in results] == ["rejected"] * 3 + ["applied"]
    assert results[2]["error"]["error_code"] == "sync.unknown_kind"
    # An item that is not even an object is not an item: the request is refused whole (a phone bug).
    response = client.post("/api/v1/sync/push", headers=headers, json={"items": [_person_item(world.households[0]), 7]})
    assert response.status_code == 422 and response.get_json()["error_code"] == "request.invalid"


def test_more_than_500_items_is_413_and_applies_nothing(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    items = [_person_item(household, name=f"Người {n}") for n in range(501)]
    response = client.post("/api/v1/sync/push", headers=headers, json={"items": items})
    assert response.status_code == 413 and response.get_json()["error_code"] == "sync.batch_too_large"
    assert db.session.query(ClientReceipt).filter(ClientReceipt.client_id == items[0]["client_id"]).count() == 0


def test_an_item_needs_the_verb_of_its_endpoint_and_the_callers_scope(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    forbidden = {"client_id": str(uuid.uuid4()), "kind": "household.update",  # volunteers may not
                 "data": {"household_id": household.public_id, "version": 1, "changes": {"is_poor": True}}}
    other = sync_world(households=1)
    elsewhere = _person_item(other.households[0])
    results = _push(client, headers, [forbidden, elsewhere])["results"]
    assert [(r["result"], r["error"]["error_code"]) for r in results] == [
        ("rejected", "auth.forbidden"), ("rejected", "household.not_found")]


def test_skills_from_the_field_only_grow(client, login, world):
    headers = login(world.volunteer)
    person = world.people[world.households[0].public_id][0]
    item = {"client_id": str(uuid.uuid4()), "kind": "skills.record",
            "data": {"person_id": person.public_id, "withdraw": ["online_safety"], "evidence_kind": "other"}}
    result = _push(client, headers, [item])["results"][0]
    assert (result["result"], result["error"]["error_code"]) == ("rejected", "sync.withdraw_not_allowed")


def test_a_push_past_its_time_budget_answers_the_rest_send_again(app, client, login, world, monkeypatch):
    headers = login(world.volunteer)
    household = world.households[0]
    monkeypatch.setitem(app.config, "SYNC_PUSH_TIME_BUDGET_SECONDS", 0)
    items = [_person_item(household, name=f"Người Hẹn {n}") for n in range(3)]
    first = _push(client, headers, items)["results"]
    assert first[0]["result"] == "applied"  # at least one item always goes through
    assert [(r["result"], r["retry"], r["error"]["error_code"]) for r in first[1:]] == [
        ("rejected", True, "sync.deferred")] * 2
    monkeypatch.setitem(app.config, "SYNC_PUSH_TIME_BUDGET_SECONDS", 20)
    again = _push(client, headers, items)["results"]
    assert [r["result"] for r in again] == ["duplicate", "applied", "applied"]


def test_every_item_kind_needs_a_verb_that_some_role_holds():
    """A misspelt verb would refuse every item of its kind to everyone, silently."""
    from fieldapp.api.sync import KINDS
    from fieldapp.auth.permissions import ROLE_VERBS

    held = set().union(*ROLE_VERBS.values())
    assert {name: kind.verb for name, kind in KINDS.items() if kind.verb not in held} == {}


def test_support_on_behalf_of_an_organisation_through_a_push(client, login, world):
    """The visit and attendee items go through the same services as their endpoints, so the same rule:
    a member is recorded with the organisation, a non-member is rejected (422) and another area's
    organisation is not found (404), each alone; the rest of the batch is applied, and a retry of
    the batch answers the applied items with their first answers."""
    from fieldapp.models import SessionAttendee
    from tests.factories import OTHER_COMMUNE, make_organisation, make_session

    headers = login(world.volunteer)
    household = world.households[0]
    member, other = world.people[household.public_id]
    shop = make_organisation(kind="enterprise", unit_code=world.commune.code, focal=world.volunteer, members=[member],
                             role="worker")
    theirs = make_organisation(kind="enterprise", unit_code=OTHER_COMMUNE)
    session = make_session(commune_code=world.commune.code, lat=world.lat, lon=world.lon, topics=("online_shopping",))
    items = [
        _visit_item(world, household, [{"person_id": member.public_id, "skills": ["online_shopping"],
                                         "organisation_id": shop.id}]),
        _visit_item(world, household, [{"person_id": other.public_id, "skills": ["online_shopping"],
                                        "organisation_id": shop.id}]),
        {"client_id": str(uuid.uuid4()), "kind": "session.attendee",
         "data": {"session_id": session.public_id, "person_id": other.public_id, "organisation_id": theirs.id}},
        {"client_id": str(uuid.uuid4()), "kind": "session.attendee",
         "data": {"session_id": session.public_id, "person_id": member.public_id, "organisation_id": shop.id}},
    ]
    first = _push(client, headers, items)
    assert [r["result"] for r in first["results"]] == ["applied", "rejected", "rejected", "applied"], first
    assert [r["error"]["error_code"] for r in first["results"][1:3]] == [
        "support.organisation_not_member", "organisation.not_found"]
    assert not first["results"][1]["retry"] and not first["results"][2]["retry"]
    assert first["results"][3]["record"]["organisation_id"] == shop.id
    records = db.session.query(SupportRecord).filter(SupportRecord.person_id.in_([member.id, other.id])).all()
    assert sorted((r.source_kind.value, r.person_id, r.organisation_id) for r in records) == [
        ("session", member.id, shop.id), ("visit", member.id, shop.id)]
    assert db.session.get(SessionAttendee, (session.id, other.id)) is None
    assert db.session.query(Visit).filter_by(client_id=items[1]["client_id"]).count() == 0

    again = _push(client, headers, items)
    assert [r["result"] for r in again["results"]] == ["duplicate", "rejected", "rejected", "duplicate"]
    assert again["results"][0]["record"] == first["results"][0]["record"]
    assert again["results"][3]["record"] == first["results"][3]["record"]
    assert db.session.query(SupportRecord).filter(SupportRecord.person_id.in_([member.id, other.id])).count() == 2

    # The phone's POST /visits of the same visit (same client_id, same body) is the same visit.
    sent = items[0]
    direct = client.post("/api/v1/visits", headers=headers, json={**sent["data"], "client_id": sent["client_id"]})
    assert direct.status_code == 200 and direct.get_json() == first["results"][0]["record"]
