"""GET /activity, /activity/head, /activity/export and the proofs, through the caller's area."""
import base64
import json

import pytest

from fieldapp.audit import merkle
from fieldapp.audit.verify import verify_export
from fieldapp.models import ActivityEntry, Role
from tests.audit_helpers import fill_log
from tests.factories import HUNG_CHAU, NGHE_AN, OTHER_COMMUNE, make_user


@pytest.fixture
def officer_headers(login):
    return login(make_user(role=Role.commune_officer))


def test_officer_lists_their_log_newest_first_with_filters(client, officer_headers, db):
    fill_log(HUNG_CHAU, 3)
    db.session.commit()
    body = client.get("/api/v1/activity", headers=officer_headers).get_json()
    actions = [item["action"] for item in body["items"]]
    assert actions[:3] == ["test.append"] * 3 and actions[3] == "auth.token_issue"  # the officer signed in first
    assert body["items"][0]["seq"] is None  # queued, not yet sequenced
    assert [i["body"]["n"] for i in body["items"][:3]] == [2, 1, 0]
    filtered = client.get("/api/v1/activity", query_string={"action": "test", "object_id": "1"},
                          headers=officer_headers).get_json()
    assert [(i["action"], i["object_id"], i["body"]["n"]) for i in filtered["items"]] == [("test.append", "1", 1)]


def test_period_filter(client, officer_headers, db):
    fill_log(HUNG_CHAU, 2)
    db.session.commit()
    future = client.get("/api/v1/activity", query_string={"since": "2199-01-01T00:00:00+07:00"},
                        headers=officer_headers).get_json()
    assert future["total"] == 0
    naive = client.get("/api/v1/activity", query_string={"since": "2026-01-01T00:00:00"}, headers=officer_headers)
    assert naive.status_code == 422 and "since" in naive.get_json()["errors"]


def test_head_is_a_signed_checkpoint_with_its_public_key(client, officer_headers, db):
    from fieldapp.audit.formats import checkpoint_text
    from fieldapp.crypto.keys import verify_signature

    fill_log(HUNG_CHAU, 4)
    db.session.commit()
    head = client.get("/api/v1/activity/head", headers=officer_headers).get_json()
    assert head["size"] >= 5  # 4 appended + the officer's sign-in
    message = checkpoint_text(log=HUNG_CHAU, size=head["size"], root_hash=bytes.fromhex(head["root_hash"]),
                              time=head["time"])
    assert verify_signature(head["public_key"], base64.b64decode(head["signature"]), message)


def test_export_is_recorded_and_verifies_offline_with_the_heads_key(client, officer_headers, db):
    fill_log(HUNG_CHAU, 5)
    db.session.commit()
    response = client.get("/api/v1/activity/export", headers=officer_headers)
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert "nhat-ky-17395.jsonl" in response.headers["Content-Disposition"]
    lines = response.get_data().splitlines(keepends=True)
    head = client.get("/api/v1/activity/head", headers=officer_headers).get_json()
    report = verify_export(lines, pinned_keys={head["key_id"]: base64.b64decode(head["public_key"])})
    assert report.entries == head["size"]
    assert json.loads(lines[-2])["action"] == "activity.export"
    assert db.session.query(ActivityEntry).filter_by(action="activity.export", log_unit=HUNG_CHAU).count() == 1


def test_proofs_through_the_api(client, officer_headers, db):
    fill_log(HUNG_CHAU, 9)
    db.session.commit()
    first = client.get("/api/v1/activity/head", headers=officer_headers).get_json()
    fill_log(HUNG_CHAU, 4, start=9)
    db.session.commit()
    second = client.get("/api/v1/activity/head", headers=officer_headers).get_json()
    inclusion = client.get("/api/v1/activity/proofs/inclusion", query_string={"seq": 3, "size": second["size"]},
                           headers=officer_headers).get_json()
    assert merkle.verify_inclusion(bytes.fromhex(inclusion["leaf_hash"]), 3, second["size"],
                                   [bytes.fromhex(h) for h in inclusion["proof"]], bytes.fromhex(second["root_hash"]))
    consistency = client.get("/api/v1/activity/proofs/consistency",
                             query_string={"first": first["size"], "second": second["size"]},
                             headers=officer_headers).get_json()
    assert merkle.verify_consistency(first["size"], second["size"], bytes.fromhex(first["root_hash"]),
                                     bytes.fromhex(second["root_hash"]),
                                     [bytes.fromhex(h) for h in consistency["proof"]])


@pytest.mark.parametrize("query_string, status, code", [
    ({"seq": 5, "size": 5}, 422, "activity.bad_proof_range"),
    ({"seq": 0, "size": 10_000}, 422, "activity.size_beyond_log"),
    ({"seq": -1, "size": 3}, 422, "request.invalid"),
    ({"size": 3}, 422, "request.invalid"),
])
def test_bad_proof_requests_are_clear_4xx(client, officer_headers, query_string, status, code):
    response = client.get("/api/v1/activity/proofs/inclusion", query_string=query_string, headers=officer_headers)
    assert response.status_code == status
    assert response.get_json()["error_code"] == code


def test_another_communes_log_is_not_found(client, officer_headers):
    for path in ("/api/v1/activity", "/api/v1/activity/head", "/api/v1/activity/export"):
        response = client.get(path, query_string={"log": OTHER_COMMUNE}, headers=officer_headers)
        assert response.status_code == 404, path
        assert response.get_json()["error_code"] == "unit.not_found"


def test_province_officer_reads_the_logs_of_the_province(client, login, db):
    fill_log(HUNG_CHAU, 1)
    db.session.commit()
    headers = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    assert client.get("/api/v1/activity", query_string={"log": HUNG_CHAU}, headers=headers).status_code == 200
    assert client.get("/api/v1/activity", query_string={"log": OTHER_COMMUNE}, headers=headers).status_code == 404


@pytest.mark.parametrize("role", [Role.volunteer, Role.team_leader])
def test_volunteers_and_leaders_cannot_read_or_export_the_log(client, login, role):
    headers = login(make_user(role=role))
    for path in ("/api/v1/activity", "/api/v1/activity/head", "/api/v1/activity/export"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error_code"] == "auth.forbidden"


def test_empty_log_has_no_head(client, login):
    headers = login(make_user(role=Role.admin, unit_code=None))
    response = client.get("/api/v1/activity/head", query_string={"log": "00004"}, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error_code"] == "activity.log_empty"
