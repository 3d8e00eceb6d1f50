"""GET /sync/pull: what changed in the caller's scope, in commit order, paged, behind a signed cursor."""
import gzip
import json
import threading
import time
import uuid

import pytest
from sqlalchemy.orm import Session

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Person, Role
from fieldapp.qr import signing
from fieldapp.services.assignments import assignments_create
from tests.factories import make_user
from tests.sync_world import settled, sync_world

pytestmark = pytest.mark.real_commits


def _pull(client, headers, cursor=None, settle=True, **params):
    if settle:
        settled()
    query = {"cursor": cursor, **params} if cursor else params
    response = client.get("/api/v1/sync/pull", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _pull_all(client, headers, cursor=None, settle=True, **params):
    """Every page until ``more`` is false (``settle``: once every write so far can be seen)."""
    pages = [_pull(client, headers, cursor, settle=settle, **params)]
    while pages[-1]["more"]:
        pages.append(_pull(client, headers, pages[-1]["cursor"], settle=False, **params))
    return pages


def _ids(pages, kind):
    return [record["id"] for page in pages for record in page[kind]]


@pytest.fixture
def world():
    return sync_world(households=3)


def test_a_full_pull_brings_the_assigned_households_their_people_and_the_catalogue(client, login, world):
    unassigned = world.new_household(assigned=False)
    signing.qr_text("household", unassigned.public_id)  # a QR key exists once something was signed
    headers = login(world.volunteer)
    pages = _pull_all(client, headers)
    assert pages[0]["reset"] is True and pages[0]["skills"]
    assert sorted(_ids(pages, "households")) == sorted(h.public_id for h in world.households if h is not unassigned)
    expected = sorted(p.public_id for h in world.households if h is not unassigned for p in world.people[h.public_id])
    assert sorted(_ids(pages, "persons")) == expected
    assert {k["key_id"] for k in pages[0]["qr_keys"]}  # the keys to verify plates offline
    assert all(p["version"] == 1 for p in pages[0]["persons"])


def test_nothing_changed_is_an_empty_pull_under_1_kb_and_the_same_cursor_works_again(client, login, world):
    headers = login(world.volunteer)
    cursor = _pull_all(client, headers)[-1]["cursor"]
    empty = client.get("/api/v1/sync/pull", headers={**headers, "Accept-Encoding": "gzip"},
                       query_string={"cursor": cursor})
    assert empty.headers["Content-Encoding"] == "gzip" and len(empty.data) < 1024
    body = json.loads(gzip.decompress(empty.data))
    assert not any(body[k] for k in ("households", "persons", "sessions", "qr_keys", "reviews", "tombstones"))
    assert body["reset"] is False and body["skills"] is None
    assert _pull(client, headers, cursor)["persons"] == []  # a cursor can be read twice (a lost answer)


def test_a_change_comes_once_then_not_again(client, login, world):
    headers = login(world.volunteer)
    cursor = _pull_all(client, headers)[-1]["cursor"]
    person = world.people[world.households[0].public_id][1]
    patched = client.patch(f"/api/v1/persons/{person.public_id}", headers={**headers, "If-Match": '"1"'},
                           json={"phone": "0987654321"})
    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    changed = _pull_all(client, headers, cursor)
    assert _ids(changed, "persons") == [person.public_id] and changed[0]["persons"][0]["version"] == 2
    assert _ids(changed, "households") == []
    assert _pull_all(client, headers, changed[-1]["cursor"])[0]["persons"] == []


def test_pulled_people_carry_their_target_groups_and_a_change_of_groups_comes_down(client, login, world):
    headers = login(world.volunteer)
    household = world.households[0]
    person = world.people[household.public_id][1]
    pages = _pull_all(client, headers)
    pulled = {p["id"]: p for page in pages for p in page["persons"]}
    assert pulled[person.public_id]["target_groups"] == [] and "cohorts" in pulled[person.public_id]
    patched = client.patch(f"/api/v1/persons/{person.public_id}", headers={**headers, "If-Match": '"1"'},
                           json={"target_groups": ["enterprise_workers", "residents"]})
    assert patched.status_code == 200, patched.get_json()
    changed = _pull_all(client, headers, pages[-1]["cursor"])
    assert _ids(changed, "persons") == [person.public_id]
    record = changed[0]["persons"][0]
    assert (record["target_groups"], record["version"]) == (["enterprise_workers", "residents"], 2)
    assert record["cohorts"] == ["citizen_from_16", "adult", "elderly"]  # born 1961


def test_an_edit_against_an_old_version_is_412_and_writes_nothing(client, login, world):
    headers = login(world.volunteer)
    person = world.people[world.households[0].public_id][0]
    edited = client.patch(f"/api/v1/persons/{person.public_id}", headers=headers, json={"birth_year": 1961})
    assert edited.status_code == 200
    stale = client.patch(f"/api/v1/persons/{person.public_id}", headers={**headers, "If-Match": '"1"'},
                         json={"birth_year": 1999})
    assert stale.status_code == 412 and stale.get_json()["error_code"] == "record.version_conflict"
    db.session.expire_all()
    assert db.session.get(Person, person.id).birth_year == 1961
    bad = client.patch(f"/api/v1/persons/{person.public_id}", headers={**headers, "If-Match": "two"},
                       json={"birth_year": 1999})
    assert bad.status_code == 400 and bad.get_json()["error_code"] == "record.version_invalid"


def test_a_skill_and_a_visit_do_not_bump_versions(client, login, world):
    """Skills merge, and a household's last visit is derived: neither makes an offline edit a conflict."""
    headers = login(world.volunteer)
    household = world.households[0]
    person = world.people[household.public_id][0]
    cursor = _pull_all(client, headers)[-1]["cursor"]
    response = client.post(f"/api/v1/persons/{person.public_id}/skills", headers=headers,
                           json={"grant": ["online_safety"], "evidence_kind": "other"})
    assert response.status_code == 200 and response.get_json()["version"] == 1
    changed = _pull_all(client, headers, cursor)
    assert _ids(changed, "persons") == [person.public_id]  # stamped: the phone gets the new skill
    assert changed[0]["persons"][0]["skills"][0]["skill"] == "online_safety"


def test_scope_changes_a_household_given_comes_whole_one_taken_leaves_a_tombstone(client, login, world):
    headers = login(world.volunteer)
    other = make_user(role=Role.volunteer, unit_code=world.commune.code)
    from fieldapp.services.teams import team_member_add

    team_member_add(team=world.team, user=other, caller=None)
    db.session.commit()
    cursor_a = _pull_all(client, headers)[-1]["cursor"]
    cursor_b = _pull_all(client, login(other))[-1]["cursor"]
    moved = world.households[0]
    leader = Caller(user_id=world.team.leader_id, role=Role.team_leader, unit_code=world.commune.code,
                    province_code=None)
    assignments_create(caller=leader, volunteer_id=other.id, household_ids=[moved.public_id], team_id=world.team.id)
    db.session.commit()
    gone = _pull_all(client, headers, cursor_a)
    assert [t for page in gone for t in page["tombstones"]] == [{"kind": "household", "id": moved.public_id}]
    arrived = _pull_all(client, login(other), cursor_b)
    assert _ids(arrived, "households") == [moved.public_id]
    assert sorted(_ids(arrived, "persons")) == sorted(p.public_id for p in world.people[moved.public_id])


def test_a_person_who_withdraws_consent_is_forgotten_by_the_phone(client, login, world):
    headers = login(world.volunteer)
    cursor = _pull_all(client, headers)[-1]["cursor"]
    person = world.people[world.households[1].public_id][1]
    assert client.patch(f"/api/v1/persons/{person.public_id}", headers=headers,
                        json={"consent": None}).status_code == 200
    pages = _pull_all(client, headers, cursor)
    assert _ids(pages, "persons") == []
    assert [t for page in pages for t in page["tombstones"]] == [{"kind": "person", "id": person.public_id}]
    full = _pull_all(client, headers)
    assert person.public_id not in _ids(full, "persons")


def test_pages_by_rows_give_every_record_once(client, login, world):
    for _ in range(3):
        world.new_household(members=3)
    headers = login(world.volunteer)
    whole = _pull_all(client, headers)
    paged = _pull_all(client, headers, limit=2)
    assert len(paged) > 5 and all(len(p["households"]) + len(p["persons"]) <= 2 for p in paged)
    for kind in ("households", "persons"):
        assert sorted(_ids(paged, kind)) == sorted(_ids(whole, kind))
        assert len(set(_ids(paged, kind))) == len(_ids(paged, kind))
    assert [p["reset"] for p in paged] == [True] + [False] * (len(paged) - 1)


def test_a_cursor_is_signed_bound_to_its_account_and_expires(client, login, world, monkeypatch):
    headers = login(world.volunteer)
    cursor = _pull(client, headers)["cursor"]
    forged = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    response = client.get("/api/v1/sync/pull", headers=headers, query_string={"cursor": forged})
    assert response.status_code == 422 and response.get_json()["error_code"] == "sync.cursor_invalid"
    stranger = make_user(role=Role.volunteer, unit_code=world.commune.code)
    response = client.get("/api/v1/sync/pull", headers=login(stranger), query_string={"cursor": cursor})
    assert response.status_code == 422 and response.get_json()["error_code"] == "sync.cursor_invalid"
    import itsdangerous.timed

    later = time.time() + 31 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    response = client.get("/api/v1/sync/pull", headers=headers, query_string={"cursor": cursor})
    assert response.status_code == 410 and response.get_json()["error_code"] == "sync.cursor_expired"


def _rename_in_own_transaction(app, person_id, name, hold: threading.Event | None = None,
                               flushed: threading.Event | None = None):
    with app.app_context():
        with Session(bind=db.engine) as session:
            person = session.get(Person, person_id)
            person.full_name = name
            session.flush()  # stamped now: the transaction's id is taken
            if flushed:
                flushed.set()
            if hold:
                assert hold.wait(30)
            session.commit()


def test_no_change_is_missed_when_an_earlier_transaction_commits_later(app, client, login, world):
    """Writer 1 stamps its change first and commits last; writer 2 commits in between. A cursor that
    is a sequence or a clock would pass writer 1's change by; every change must be seen exactly once."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE): a transaction cannot commit "
                    "under an earlier one that is still open, so a counter follows commit order")
    headers = login(world.volunteer)
    people = [p for h in world.households for p in world.people[h.public_id]]
    cursor = _pull_all(client, headers)[-1]["cursor"]
    release, flushed = threading.Event(), threading.Event()
    early = threading.Thread(target=_rename_in_own_transaction, args=(app, people[0].id, "Sớm Mà Muộn", release,
                                                                      flushed))
    early.start()
    assert flushed.wait(30)
    _rename_in_own_transaction(app, people[1].id, "Muộn Mà Sớm")
    seen = []
    middle = _pull_all(client, headers, cursor, settle=False)  # writer 1 is still open
    seen += _ids(middle, "persons")
    release.set()
    early.join(30)
    after = _pull_all(client, headers, middle[-1]["cursor"])
    seen += _ids(after, "persons")
    seen += _ids(_pull_all(client, headers, after[-1]["cursor"]), "persons")
    assert sorted(seen) == sorted([people[0].public_id, people[1].public_id])


def test_many_writers_holding_transactions_open_each_change_seen_exactly_once(app, client, login, world):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: see the test above")
    for _ in range(3):
        world.new_household(members=3)
    headers = login(world.volunteer)
    people = [p for h in world.households for p in world.people[h.public_id]][:12]
    cursor = _pull_all(client, headers)[-1]["cursor"]
    holds = [threading.Event() for _ in people]
    threads = [threading.Thread(target=_rename_in_own_transaction, args=(app, p.id, f"Đổi {n}", holds[n]))
               for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    order = list(range(len(people)))
    import random

    random.Random(11).shuffle(order)
    for n in order:  # release the writers in an order unlike their start, pulling between each
        holds[n].set()
        time.sleep(0.02)
        pages = _pull_all(client, headers, cursor, settle=False)  # later writers are still open
        seen += _ids(pages, "persons")
        cursor = pages[-1]["cursor"]
    for thread in threads:
        thread.join(30)
    for _ in range(3):
        pages = _pull_all(client, headers, cursor)
        seen += _ids(pages, "persons")
        cursor = pages[-1]["cursor"]
    assert sorted(seen) == sorted(p.public_id for p in people)


def test_sessions_of_the_team_come_down_and_a_new_member_gets_them_whole(client, login, world):
    from fieldapp.models import LearningSession
    from fieldapp.services.teams import team_member_add
    from tests.factories import make_session

    headers = login(world.volunteer)
    cursor = _pull_all(client, headers)[-1]["cursor"]
    session = make_session(commune_code=world.commune.code, lat=world.lat, lon=world.lon)
    db.session.get(LearningSession, session.id).team_id = world.team.id
    db.session.commit()
    pages = _pull_all(client, headers, cursor)
    assert _ids(pages, "sessions") == [session.public_id]
    newcomer = make_user(role=Role.volunteer, unit_code=world.commune.code)
    newcomer_cursor = _pull_all(client, login(newcomer))[-1]["cursor"]  # before joining: no team, no sessions
    team_member_add(team=world.team, user=newcomer, caller=None)
    db.session.commit()
    assert _ids(_pull_all(client, login(newcomer), newcomer_cursor), "sessions") == [session.public_id]


def test_an_officers_decision_on_my_flagged_check_in_comes_down(client, login, world):
    from fieldapp.services.reviews import review_decide

    headers = login(world.volunteer)
    household = world.households[0]
    far = {"client_id": str(uuid.uuid4()), "payload": signing.qr_text("household", household.public_id),
           "scanned_at": utcnow().isoformat(), "gps": {"lat": world.lat + 0.05, "lon": world.lon, "accuracy_m": 5}}
    checkin = client.post("/api/v1/checkins", headers=headers, json=far).get_json()
    assert "far_from_site" in checkin["flags"], checkin
    cursor = _pull_all(client, headers)[-1]["cursor"]
    officer = make_user(role=Role.commune_officer, unit_code=world.commune.code)
    review_decide(caller=Caller.of_user(officer), target_type="checkin", target_ref=far["client_id"],
                  decision="accepted", reason="Đã gọi điện xác nhận với hộ")
    db.session.commit()
    reviews = [r for page in _pull_all(client, headers, cursor) for r in page["reviews"]]
    assert [(r["target_type"], r["target_ref"], r["decision"]) for r in reviews] == [
        ("checkin", far["client_id"], "accepted")]


def test_a_household_correction_takes_if_match_too(client, login, world):
    from fieldapp.models import User

    leader = login(db.session.get(User, world.team.leader_id))
    household = world.households[0]
    url = f"/api/v1/households/{household.public_id}"
    first = client.patch(url, headers={**leader, "If-Match": '"1"'}, json={"is_remote": True})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"', first.get_json()
    stale = client.patch(url, headers={**leader, "If-Match": '"1"'}, json={"is_poor": True})
    assert stale.status_code == 412 and stale.get_json()["error_code"] == "record.version_conflict"
