"""Sync against a real server process: a push whose server is killed with SIGKILL (before and after
its commit, the answer lost each time) is applied exactly once in the end; a pull paged with a
small limit goes on across server restarts from its cursor; and a batch delivered duplicated,
shuffled and split ends in the same state as the batch delivered once, in order.

The figures (tries, answers, records) are printed, as tests/test_faults.py does."""
from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models import CheckIn, ClientReceipt, Person, PersonSkill, Visit
from fieldapp.qr import signing
from tests.factories import DEFAULT_PASSWORD
from tests.servers import app_env, free_port, start_gunicorn, stop
from tests.sync_world import settled, sync_world

pytestmark = [pytest.mark.slow, pytest.mark.real_commits]

SKILLS = ("cashless_payment", "online_safety", "vneid_level2", "online_public_services")


def _field_items(world, count: int, seed: int) -> list[dict]:
    """``count`` new items, check-ins at household plates and visits helping one or two members,
    alternately, at the world's households (GPS on the doorstep)."""
    rng = random.Random(seed)
    now = utcnow().isoformat()
    items = []
    for number in range(count):
        household = world.households[number % len(world.households)]
        point = point_of(household.location)
        gps = {"lat": point.lat, "lon": point.lon, "accuracy_m": 10}
        plate = signing.qr_text("household", household.public_id)
        if number % 2 == 0:
            items.append({"client_id": str(uuid.uuid4()), "kind": "checkin",
                          "data": {"payload": plate, "scanned_at": now, "gps": gps}})
        else:
            members = world.people[household.public_id]
            helped = rng.sample(members, rng.randint(1, len(members)))
            items.append({"client_id": str(uuid.uuid4()), "kind": "visit", "data": {
                "household_id": household.public_id, "outcome": "supported", "visited_at": now, "plate": plate,
                "gps": gps, "people": [{"person_id": p.public_id, "skills": [rng.choice(SKILLS)]} for p in helped]}})
    return items


def _token(port: int, phone: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token", method="POST",
                                     data=json.dumps({"phone": phone, "password": DEFAULT_PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def _raw_request(port: int, method: str, path: str, token: str, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n")
    return head.encode() + data


def _stored(model, client_ids: list[str]) -> dict[str, int]:
    """How many rows of ``model`` each client_id has (read in a fresh transaction)."""
    db.session.rollback()
    rows = db.session.execute(select(model.client_id, func.count()).where(model.client_id.in_(client_ids))
                              .group_by(model.client_id)).all()
    db.session.rollback()  # on SQLite every transaction holds the write lock (BEGIN IMMEDIATE): let the server write
    return {str(client_id): n for client_id, n in rows}


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _start(app, port):
    return start_gunicorn(port, "--workers", "2", "--log-level", "error", env=app_env(app))


def test_a_push_killed_with_sigkill_before_and_after_its_commit_is_applied_exactly_once(app):
    """The phone sends a batch of 100 check-ins and visits; the server is killed with SIGKILL while
    it works on the push (before the commit), then again after the commit but before the phone read
    the answer; the phone, which never got an answer, sends the same batch until it gets one. Each
    item is in the database exactly once, and the answer the phone finally reads says so."""
    world = sync_world(households=5)
    items = _field_items(world, 100, seed=15)
    db.session.commit()  # the plates' signing key; and on SQLite, the write lock the server needs
    checkins = [i["client_id"] for i in items if i["kind"] == "checkin"]
    visits = [i["client_id"] for i in items if i["kind"] == "visit"]
    port = free_port()
    server = _start(app, port)
    tries: list[str] = []
    try:
        token = _token(port, world.volunteer.phone)
        request = _raw_request(port, "POST", "/api/v1/sync/push", token, {"items": items})

        def stored_count() -> int:
            return sum(_stored(CheckIn, checkins).values()) + sum(_stored(Visit, visits).values())

        # 1. Killed mid-push: sent whole, the server at work on it, nothing read back.
        phone = socket.create_connection(("127.0.0.1", port))
        phone.sendall(request)
        time.sleep(0.05)
        stop(server)
        phone.close()
        tries.append(f"killed while working ({stored_count()} of 100 stored)")
        # The push commits once: a kill before the commit leaves nothing of it.
        assert stored_count() in (0, 100)
        # 2. Killed after the commit, before the phone read the answer (the answer is lost).
        server = _start(app, port)
        phone = socket.create_connection(("127.0.0.1", port))
        phone.sendall(request)
        assert _wait_until(lambda: stored_count() == 100, 120), "the push never committed"
        stop(server)
        phone.close()
        tries.append("killed after the commit, answer unread")
        # 3. The phone retries until it gets an answer (killed once more, early, on the way).
        server = _start(app, port)
        answer = None
        for attempt in range(20):
            if attempt == 1:
                stop(server)
                server = _start(app, port)
            try:
                sent = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/sync/push", method="POST",
                                              data=json.dumps({"items": items}).encode(),
                                              headers={"Content-Type": "application/json",
                                                       "Authorization": f"Bearer {token}"})
                if attempt == 0:
                    # This try's server is killed as soon as it has the request.
                    phone = socket.create_connection(("127.0.0.1", port))
                    phone.sendall(request)
                    phone.close()
                    tries.append("sent, no answer read (server killed next)")
                    continue
                with urllib.request.urlopen(sent, timeout=30) as response:
                    tries.append(str(response.status))
                    answer = json.loads(response.read())
                    break
            except urllib.error.HTTPError as error:
                tries.append(str(error.code))
            except OSError:
                tries.append("no answer")
            time.sleep(0.1)
    finally:
        stop(server)
    counted_checkins, counted_visits = _stored(CheckIn, checkins), _stored(Visit, visits)
    print(f"\nSIGKILL mid-push: 100 items ({len(checkins)} check-ins, {len(visits)} visits), tries: {tries}; "
          f"stored: {sum(counted_checkins.values())} check-ins ({len(counted_checkins)} distinct), "
          f"{sum(counted_visits.values())} visits ({len(counted_visits)} distinct)")
    assert answer is not None, tries
    assert counted_checkins == {c: 1 for c in checkins}
    assert counted_visits == {c: 1 for c in visits}
    assert [r["client_id"] for r in answer["results"]] == [i["client_id"] for i in items]
    assert {r["result"] for r in answer["results"]} == {"duplicate"}, answer["rejected"]  # applied before
    assert answer["duplicate"] == 100
    stored_ids = set(db.session.scalars(select(Visit.public_id).where(Visit.client_id.in_(visits))))
    assert {r["record"]["id"] for r in answer["results"] if r["kind"] == "visit"} == stored_ids


def _pull(port: int, token: str, cursor: str | None, limit: int | None) -> dict:
    query = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in (("cursor", cursor), ("limit", limit)) if v)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/sync/pull?{query}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


KINDS = ("households", "persons", "sessions", "qr_keys", "reviews", "tombstones")


def _records(pages: list[dict]) -> dict[str, list]:
    return {kind: sorted(json.dumps(r, sort_keys=True) for page in pages for r in page[kind]) for kind in KINDS}


def test_a_paged_pull_goes_on_from_its_cursor_across_server_restarts(app):
    """A full pull 3 rows a page, the server killed and started again between every two pages: the
    pages together are exactly what one unpaged full pull gives, no row missing or twice."""
    world = sync_world(households=6)
    signing.qr_text("household", world.households[0].public_id)  # a QR key to pull
    db.session.commit()
    port = free_port()
    server = _start(app, port)
    try:
        token = _token(port, world.volunteer.phone)
        settled()  # PostgreSQL: no transaction older than the world's writes still open on the server
        whole = _pull(port, token, None, None)
        assert not whole["more"]
        pages = [_pull(port, token, None, 3)]
        restarts = 0
        while pages[-1]["more"]:
            stop(server)  # SIGKILL
            server = _start(app, port)
            restarts += 1
            pages.append(_pull(port, token, pages[-1]["cursor"], 3))
        after = _pull(port, token, pages[-1]["cursor"], 3)
    finally:
        stop(server)
    rows = sum(len(page[kind]) for page in pages for kind in KINDS)
    print(f"\npull across restarts: {len(pages)} pages of at most 3 rows, {restarts} restarts, {rows} rows; "
          f"the unpaged pull: {sum(len(whole[k]) for k in KINDS)} rows")
    assert restarts >= 4
    assert _records(pages) == _records([whole])
    people = [p.public_id for h in world.households for p in world.people[h.public_id]]
    assert sorted(r["id"] for page in pages for r in page["persons"]) == sorted(people)
    assert sorted(r["id"] for page in pages for r in page["households"]) == sorted(h.public_id
                                                                                  for h in world.households)
    assert pages[0]["reset"] and not any(page["reset"] for page in pages[1:])
    assert not any(after[kind] for kind in KINDS) and not after["more"]  # and the last cursor is current


# --- (b) duplicated, shuffled, split delivery (the test client: the server process is (a)'s) ------------

def _day_of_work(world, tag: str) -> list[dict]:
    """A day's items whose outcome does not depend on their order, except for the references the
    server resolves (a visit helping a person made offline in the same day's work): one check-in and
    one visit per household, a person made offline and helped, one correction and one skill per
    existing member."""
    now = utcnow().isoformat()
    items = []
    for index, household in enumerate(world.households):
        point = point_of(household.location)
        gps = {"lat": point.lat, "lon": point.lon, "accuracy_m": 10}
        plate = signing.qr_text("household", household.public_id)
        first, second = world.people[household.public_id][:2]
        newborn = {"client_id": str(uuid.uuid4()), "kind": "person.create",
                   "data": {"household_id": household.public_id, "full_name": f"Đỗ Thị Mới {tag} {index}",
                            "birth_year": 2001 + index, "sex": "female", "confirm_duplicate": True}}
        items += [
            {"client_id": str(uuid.uuid4()), "kind": "checkin", "data": {"payload": plate, "scanned_at": now,
                                                                         "gps": gps}},
            newborn,
            {"client_id": str(uuid.uuid4()), "kind": "visit", "data": {
                "household_id": household.public_id, "outcome": "supported", "visited_at": now, "plate": plate,
                "gps": gps, "people": [{"person_client_id": newborn["client_id"], "skills": ["online_safety"]},
                                       {"person_id": first.public_id, "skills": [SKILLS[index % 4]]}]}},
            {"client_id": str(uuid.uuid4()), "kind": "person.update",
             "data": {"person_id": second.public_id, "version": second.version,
                      "changes": {"phone": f"09120000{index:02d}", "birth_year": 1970 + index}}},
            {"client_id": str(uuid.uuid4()), "kind": "skills.record",
             "data": {"person_id": second.public_id, "grant": ["digital_bank_account"], "evidence_kind": "other"}},
        ]
    return items


def _state(world, items: list[dict]) -> dict:
    """The world's records that the items made or changed, named by place (household index, the
    item's place in the day's work) rather than by ids, so that two worlds compare."""
    db.session.rollback()
    index_of = {h.id: i for i, h in enumerate(world.households)}
    place = {item["client_id"]: n for n, item in enumerate(items)}
    checkins = sorted((place[c.client_id], index_of[c.household_id], c.verdict.value, tuple(sorted(c.flags or ())))
                      for c in db.session.scalars(select(CheckIn).where(CheckIn.client_id.in_(place))))
    visits = []
    for visit in db.session.scalars(select(Visit).where(Visit.client_id.in_(place))):
        visits.append((place[visit.client_id], index_of[visit.household_id], visit.outcome.value, visit.verdict.value))
    ids = [h.id for h in world.households]
    members = {p.id: f"member {n}" for h in world.households for n, p in enumerate(world.people[h.public_id])}
    persons = sorted((index_of[p.household_id], members.get(p.id, p.full_name), p.birth_year, p.phone, p.version,
                      tuple(sorted((s.skill.value, s.status.value) for s in p.skills)))
                     for p in db.session.scalars(select(Person).where(Person.household_id.in_(ids))))
    receipts = sorted((place[r.client_id], r.kind) for r in db.session.scalars(
        select(ClientReceipt).where(ClientReceipt.client_id.in_(place))))
    skills = db.session.scalar(select(func.count()).select_from(PersonSkill).join(Person).where(
        Person.household_id.in_(ids)))
    return {"checkins": checkins, "visits": sorted(visits), "persons": persons, "receipts": receipts,
            "skills": skills}


def _push(client, headers, items):
    response = client.post("/api/v1/sync/push", headers=headers, json={"items": items})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_duplicated_shuffled_split_delivery_ends_as_ordered_delivery(client, login):
    ordered_world, messy_world = sync_world(households=4), sync_world(households=4)
    ordered = _day_of_work(ordered_world, "A")
    messy = _day_of_work(messy_world, "A")
    answer = _push(client, login(ordered_world.volunteer), ordered)
    assert answer["applied"] == len(ordered), [r for r in answer["results"] if r["result"] != "applied"]

    rng = random.Random(15)
    deliveries = messy + rng.sample(messy, len(messy) // 2) + rng.sample(messy, len(messy) // 3)  # duplicated
    rng.shuffle(deliveries)
    headers = login(messy_world.volunteer)
    results: dict[str, list[str]] = {}
    pending, rounds = deliveries, 0
    while pending:
        rounds += 1
        assert rounds < 10, "retryable items never applied"
        retry = []
        cut = sorted(rng.sample(range(1, len(pending)), min(4, len(pending) - 1))) if len(pending) > 1 else []
        for start, end in zip([0, *cut], [*cut, len(pending)], strict=True):  # split into batches
            chunk = pending[start:end]
            for item, result in zip(chunk, _push(client, headers, chunk)["results"], strict=True):
                results.setdefault(item["client_id"], []).append(result["result"])
                if result["result"] == "rejected":
                    assert result["retry"], result  # only "the person is not made yet": send it again
                    retry.append(item)
                else:
                    assert result["result"] in ("applied", "duplicate"), result
        pending = retry
    print(f"\nmessy delivery: {len(messy)} items sent {len(deliveries)} times in {rounds} round(s) of split "
          f"batches; first results: {sorted({r[0] for r in results.values()})}")
    assert all(r.count("applied") == 1 for r in results.values()), results  # each applied once, however often sent
    assert _state(messy_world, messy) == _state(ordered_world, ordered)
    assert _state(ordered_world, ordered)["visits"] and _state(ordered_world, ordered)["receipts"]
