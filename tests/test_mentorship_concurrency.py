"""Many requests at once through the HTTP API, committing for real: the network's rules still hold.

The ceiling, one active mentor per mentee, and no cycles (including a cycle closed by two requests on
four different people). The data stays committed: it lives in the database of the ``real_commits``
tests, in a commune of each test's own (``own_commune``).
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Ambassador, Mentorship, MentorshipStatus, Role
from fieldapp.selectors.network import ancestors_of
from tests.factories import (
    DEFAULT_PASSWORD,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_user,
    make_village,
)

#: At most the connection pool (10 + 5 overflow on PostgreSQL), so nobody waits for a connection.
THREADS = 12
SKILLS = ["online_public_services"]


@pytest.fixture
def commune(own_commune) -> str:
    return own_commune.code


def _token(app, user) -> dict:
    response = app.test_client().post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _all_at_once(app, requests: list[tuple[dict, dict]]) -> list[tuple[int, str | None]]:
    """POST every body to /mentorships from THREADS threads released together; (status, error_code) each."""
    db.session.remove()  # SQLite: no transaction of this thread may hold the write lock meanwhile
    go = threading.Event()

    def send(headers, body):
        go.wait()
        response = app.test_client().post("/api/v1/mentorships", headers=headers, json={"skills": SKILLS, **body})
        return response.status_code, (response.get_json() or {}).get("error_code")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(send, headers, body) for headers, body in requests]
        go.set()
        return [future.result() for future in futures]


def _people(commune: str, count: int) -> list:
    household = make_household(village=make_village(commune_code=commune))
    return [make_person(household=household) for _ in range(count)]


def _tally(results) -> dict:
    tally: dict = {}
    for status, code in results:
        tally[code or status] = tally.get(code or status, 0) + 1
    return tally


@pytest.mark.real_commits
@pytest.mark.slow
def test_the_ceiling_holds_against_many_requests_at_once(app, commune):
    ceiling = app.config["MENTEES_PER_MENTOR_MAX"]
    mentor = make_ambassador(commune_code=commune)
    mentor_id = mentor.user_id
    people = [p.public_id for p in _people(commune, ceiling + 15)]
    headers = _token(app, mentor.user)
    results = _all_at_once(app, [(headers, {"mentee_person_id": public_id}) for public_id in people])
    active = db.session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.mentor_user_id == mentor_id, Mentorship.status == MentorshipStatus.active))
    print(f"\nceiling {ceiling}: {len(results)} requests from {THREADS} threads, "
          f"{sum(s == 201 for s, _ in results)} accepted, refused {_tally([r for r in results if r[0] != 201])}; "
          f"the mentor has {active} active mentees")
    assert sum(status == 201 for status, _ in results) == ceiling == active
    assert all(code == "mentorship.mentor_full" for status, code in results if status != 201)


@pytest.mark.real_commits
@pytest.mark.slow
def test_one_active_mentor_per_mentee_against_many_requests_at_once(app, commune):
    mentors = [make_ambassador(commune_code=commune).user_id for _ in range(6)]
    residents = [(p.id, p.public_id) for p in _people(commune, 4)]
    volunteers = [make_user(unit_code=commune).id for _ in range(2)]
    officer = _token(app, make_user(role=Role.commune_officer, unit_code=commune))
    targets = [{"mentee_person_id": public_id} for _, public_id in residents] + [
        {"mentee_user_id": user_id} for user_id in volunteers]
    results = _all_at_once(app, [(officer, {"mentor_user_id": m, **t}) for t in targets for m in mentors])
    per_resident = [db.session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.mentee_person_id == person_id, Mentorship.status == MentorshipStatus.active))
        for person_id, _ in residents]
    per_volunteer = [db.session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.mentee_user_id == user_id, Mentorship.status == MentorshipStatus.active)) for user_id in volunteers]
    print(f"\none mentor: {len(results)} requests ({len(mentors)} mentors × {len(targets)} mentees) from {THREADS} "
          f"threads, {sum(s == 201 for s, _ in results)} accepted, refused "
          f"{_tally([r for r in results if r[0] != 201])}; active mentors per mentee {per_resident + per_volunteer}")
    assert per_resident + per_volunteer == [1] * len(targets)
    assert sum(status == 201 for status, _ in results) == len(targets)
    assert all(code == "mentorship.mentee_has_mentor" for status, code in results if status != 201)


@pytest.mark.real_commits
@pytest.mark.slow
def test_no_cycle_is_closed_by_requests_at_once(app, commune):
    """Pairs: A→B and B→A sent together. Quadruples: with A→B and C→D in place, B→C and D→A sent
    together would close A→B→C→D→A while touching four different people."""
    officer = _token(app, make_user(role=Role.commune_officer, unit_code=commune))
    requests, groups = [], []
    for _ in range(4):
        a, b = make_ambassador(commune_code=commune), make_ambassador(commune_code=commune)
        requests += [(officer, {"mentor_user_id": a.user_id, "mentee_user_id": b.user_id}),
                     (officer, {"mentor_user_id": b.user_id, "mentee_user_id": a.user_id})]
        groups.append(2)
    for _ in range(4):
        a, b, c, d = (make_ambassador(commune_code=commune) for _ in range(4))
        make_mentorship(mentor=a, mentee=b.user)
        make_mentorship(mentor=c, mentee=d.user)
        requests += [(officer, {"mentor_user_id": b.user_id, "mentee_user_id": c.user_id}),
                     (officer, {"mentor_user_id": d.user_id, "mentee_user_id": a.user_id})]
        groups.append(2)
    results = _all_at_once(app, requests)
    ambassadors = db.session.scalars(select(Ambassador.user_id).where(Ambassador.commune_code == commune)).all()
    in_a_cycle = [user_id for user_id in ambassadors if user_id in ancestors_of(user_id)]
    print(f"\ncycles: {len(results)} requests in 8 groups that would each close a cycle, from {THREADS} threads, "
          f"{sum(s == 201 for s, _ in results)} accepted, refused {_tally([r for r in results if r[0] != 201])}; "
          f"{len(ambassadors)} ambassadors in the commune, {len(in_a_cycle)} in a cycle")
    assert in_a_cycle == []
    for first in range(0, len(results), 2):
        assert sorted(results[first:first + 2]) == [(201, None), (422, "mentorship.cycle")], results[first:first + 2]
