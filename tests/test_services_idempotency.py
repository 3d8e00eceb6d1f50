"""The one rule of writes that carry a client_id (fieldapp.services.idempotency), as visits and
mentoring meetings apply it through written_once; check-ins apply it on their insert-first path
(tests/test_api_checkins.py, tests/test_concurrency_field.py)."""
import uuid
from types import SimpleNamespace

import pytest

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.models import MentoringInteraction, Visit
from fieldapp.services import idempotency
from fieldapp.services.idempotency import replayed
from fieldapp.services.mentorships import interaction_record
from fieldapp.services.visits import visit_create
from tests.factories import HUNG_CHAU_CENTRE, assign, make_household, make_mentorship, make_team, make_user

LAT, LON = HUNG_CHAU_CENTRE


def _caller(user) -> Caller:
    return Caller.of_user(user)


def _code(excinfo) -> str:
    return excinfo.value.spec.code


def test_the_rule_replays_the_owners_same_request_and_refuses_anything_else():
    stored = SimpleNamespace(user_id=7, request_hash="a" * 64)
    assert replayed(None, owner=7, digest="a" * 64) is None
    assert replayed(stored, owner=7, digest="a" * 64) is stored
    for owner, digest in ((8, "a" * 64), (7, "b" * 64)):
        with pytest.raises(AppError) as excinfo:
            replayed(stored, owner=owner, digest=digest)
        assert _code(excinfo) == "idempotency.conflict"
    # A record that keeps no digest is named by its client_id alone, for its owner.
    assert replayed(SimpleNamespace(mentorship_id=3), owner=3, digest=None, owner_attr="mentorship_id") is not None


def _volunteer_at_a_household(db):
    volunteer = make_user()
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, make_team(members=[volunteer]))
    return _caller(volunteer), household


def _visit(caller, household, client_id, digest="d" * 64):
    return visit_create(caller=caller, client_id=client_id, digest=digest, household_id=household.public_id,
                        outcome="nobody_home", visited_at=utcnow(), gps={"lat": LAT, "lon": LON, "accuracy_m": 5})


def _missed_once(monkeypatch):
    """The first look for the stored record finds nothing, as when a parallel request with the same
    client_id commits between that look and this request's insert."""
    original, calls = idempotency.stored_under, []

    def stored_under(model, client_id):
        calls.append(client_id)
        return None if len(calls) == 1 else original(model, client_id)

    monkeypatch.setattr(idempotency, "stored_under", stored_under)


def test_a_visit_that_lost_the_race_is_answered_with_the_winner_and_the_request_goes_on(db, monkeypatch):
    caller, household = _volunteer_at_a_household(db)
    client_id = str(uuid.uuid4())
    first, created = _visit(caller, household, client_id)
    assert created
    _missed_once(monkeypatch)
    again, created = _visit(caller, household, client_id)
    assert (again.id, created) == (first.id, False)
    # Only the losing insert was undone (a savepoint), not the transaction: the next item of the
    # request (the sync push's next visit) is written.
    other, created = _visit(caller, household, str(uuid.uuid4()))
    assert created and db.session.query(Visit).filter_by(household_id=household.id).count() == 2


def test_a_client_id_taken_where_the_caller_cannot_see_it_is_a_conflict(db, monkeypatch):
    caller, household = _volunteer_at_a_household(db)
    client_id = str(uuid.uuid4())
    _visit(caller, household, client_id)
    # Row-level security hides another area's visit: both looks find nothing, the index refuses.
    monkeypatch.setattr(idempotency, "stored_under", lambda model, client_id: None)
    with pytest.raises(AppError) as excinfo:
        _visit(caller, household, client_id)
    assert _code(excinfo) == "idempotency.conflict"


def _meet(mentorship, client_id):
    from fieldapp.extensions import db
    from fieldapp.models import User

    mentor = db.session.get(User, mentorship.mentor_user_id)
    return interaction_record(caller=_caller(mentor), mentorship=mentorship, method="in_person",
                              occurred_at=utcnow(), location={"lat": LAT, "lon": LON}, client_id=client_id)


def test_a_meeting_that_lost_the_race_is_answered_with_the_winner(db, monkeypatch):
    mentorship = make_mentorship()
    client_id = str(uuid.uuid4())
    first = _meet(mentorship, client_id)
    _missed_once(monkeypatch)
    assert _meet(mentorship, client_id).id == first.id
    assert db.session.query(MentoringInteraction).filter_by(mentorship_id=mentorship.id).count() == 1


def test_a_meetings_client_id_sent_for_another_mentorship_is_a_conflict(db):
    mentorship = make_mentorship()
    client_id = str(uuid.uuid4())
    _meet(mentorship, client_id)
    with pytest.raises(AppError) as excinfo:
        _meet(make_mentorship(), client_id)
    assert _code(excinfo) == "idempotency.conflict"
