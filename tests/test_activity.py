"""The activity log's writer: one entry per change, in the change's own transaction."""
import json

import pytest

from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, ActivityQueued
from fieldapp.models.activity import NATIONAL_LOG
from fieldapp.services.activity import activity_record, canonical_json
from fieldapp.services.users import user_create


def test_canonical_json_is_stable_and_keeps_vietnamese():
    assert canonical_json({"b": 1, "a": "Xóm"}) == '{"a":"Xóm","b":1}'


def test_entry_and_change_roll_back_together():
    before = db.session.query(ActivityEntry).count()
    savepoint = db.session.begin_nested()
    user_create(phone="0912345678", full_name="Lê Văn A", role="volunteer", unit_code="17395",
                password="mat-khau-8", granter=None)
    db.session.flush()
    assert db.session.query(ActivityEntry).count() == before + 1
    assert db.session.query(ActivityQueued).count() >= 1
    savepoint.rollback()
    assert db.session.query(ActivityEntry).count() == before


def test_acts_without_an_area_go_to_the_national_log():
    entry = activity_record(action="user.create", object_type="user", object_id=7, log_unit=None, caller=None,
                            body={"role": "admin", "unit_code": None})
    assert entry.log_unit == NATIONAL_LOG
    assert json.loads(entry.body) == {"role": "admin", "unit_code": None}
    assert entry.created_at.tzinfo is not None


@pytest.mark.parametrize("path, payload", [
    ("/api/v1/auth/token", {"phone": "0913999011", "password": "mat-khau-8"}),
])
def test_sign_in_is_logged(client, path, payload):
    from tests.factories import make_user

    user = make_user(phone="+84913999011")
    assert client.post(path, json=payload).status_code == 201
    assert db.session.query(ActivityEntry).filter_by(action="auth.token_issue", actor_id=user.id).count() == 1
