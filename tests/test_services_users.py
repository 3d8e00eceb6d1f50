"""Creating accounts: phones, names, roles on areas, who may grant what, and the log entry."""
import pytest

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role, User
from fieldapp.services.users import user_create
from tests.factories import HA_NOI, HUNG_CHAU, NGHE_AN, OTHER_COMMUNE, make_user


def _create(granter=None, **overrides):
    values = {"phone": "0912345678", "full_name": "Nguyễn Thị Hoà", "role": "volunteer",
              "unit_code": HUNG_CHAU, "password": "mat-khau-8"}
    values.update(overrides)
    return user_create(granter=granter, **values)


def _error_code(call) -> str:
    with pytest.raises(AppError) as raised:
        call()
    return raised.value.spec.code


COMMUNE_OFFICER = (Role.commune_officer, HUNG_CHAU)
PROVINCE_OFFICER = (Role.province_officer, NGHE_AN)


def _caller(role: Role, unit_code: str) -> Caller:
    user = make_user(role=role, unit_code=unit_code)
    return Caller(user_id=user.id, role=role, unit_code=unit_code, province_code=NGHE_AN)


def test_phone_is_stored_e164_and_name_nfc():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300"
    user = _create(phone="0912 345 678", full_name=decomposed)
    assert user.phone == "+84912345678"
    assert user.full_name == "Nguyễn Thị Hoà"
    assert user.name_folded == "nguyen thi hoa"


def test_password_is_hashed_with_argon2id():
    user = _create()
    assert user.password_hash.startswith("$argon2id$")
    assert "mat-khau-8" not in user.password_hash


def test_creation_is_logged_without_personal_data():
    user = _create()
    entry = db.session.query(ActivityEntry).filter_by(action="user.create").one()
    assert (entry.log_unit, entry.object_id, entry.actor_role) == (HUNG_CHAU, str(user.id), "operator")
    assert "0912345678" not in entry.body and "+84912345678" not in entry.body and "Hoà" not in entry.body


@pytest.mark.parametrize("overrides, code", [
    ({"phone": "12345"}, "user.phone_invalid"),
    ({"phone": "+14155552671"}, "user.phone_invalid"),
    ({"password": "short"}, "user.password_weak"),
    ({"role": "mayor"}, "user.role_invalid"),
    ({"unit_code": "99999"}, "unit.not_found"),
    ({"unit_code": NGHE_AN}, "unit.wrong_level"),  # a volunteer works in a commune
    ({"role": "province_officer"}, "unit.wrong_level"),  # a province officer works on a province
    ({"unit_code": None}, "unit.wrong_level"),
])
def test_bad_input_is_refused(overrides, code):
    assert _error_code(lambda: _create(**overrides)) == code


def test_duplicate_phone_in_another_form_is_refused():
    _create(phone="0912345678")
    assert _error_code(lambda: _create(phone="+84 912 345 678")) == "user.phone_taken"


def test_admin_may_be_nationwide():
    assert _create(role="admin", unit_code=None).unit_code is None


@pytest.mark.parametrize("granter, role, unit_code, refused", [
    (COMMUNE_OFFICER, "volunteer", HUNG_CHAU, None),
    (COMMUNE_OFFICER, "team_leader", HUNG_CHAU, None),
    (COMMUNE_OFFICER, "commune_officer", HUNG_CHAU, "user.grant_outside_scope"),  # no promoting a peer
    # Outside the granter's area the unit is not found, as a code that does not exist would be.
    (COMMUNE_OFFICER, "volunteer", OTHER_COMMUNE, "unit.not_found"),
    (PROVINCE_OFFICER, "commune_officer", HUNG_CHAU, None),
    (PROVINCE_OFFICER, "province_officer", NGHE_AN, None),
    (PROVINCE_OFFICER, "volunteer", OTHER_COMMUNE, "unit.not_found"),  # Hà Nội is another province
    (PROVINCE_OFFICER, "province_officer", HA_NOI, "unit.not_found"),
    (PROVINCE_OFFICER, "admin", None, "user.grant_outside_scope"),
])
def test_who_may_grant_what_where(granter, role, unit_code, refused):
    granter = _caller(*granter)

    def call():
        return _create(granter=granter, role=role, unit_code=unit_code)

    if refused is None:
        assert call().role == Role(role)
    else:
        assert _error_code(call) == refused
        assert db.session.query(User).filter_by(phone="+84912345678").count() == 0
