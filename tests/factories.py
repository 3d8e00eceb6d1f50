"""Plain factory functions: ``make_x(**overrides)`` adds a row and commits it.

In tests a commit only releases a savepoint (see ``conftest.db``): the row is visible to the requests
the test makes, which roll back their own savepoints on teardown, and gone after the test.
"""
from __future__ import annotations

import itertools

from fieldapp.extensions import db
from fieldapp.models import Role, User
from fieldapp.services.passwords import password_hash
from fieldapp.text import fold, nfc

DEFAULT_PASSWORD = "mat-khau-8"
HUNG_CHAU = "17395"  # Xã Hùng Châu, Nghệ An
NGHE_AN = "40"
OTHER_COMMUNE = "00004"  # Phường Ba Đình, Hà Nội
HA_NOI = "01"

_phones = itertools.count(1)


def next_phone() -> str:
    return f"+849130{next(_phones):05d}"


def make_user(*, role: Role | str = Role.volunteer, unit_code: str | None = HUNG_CHAU,
              full_name: str = "Nguyễn Thị Hoà", password: str = DEFAULT_PASSWORD, **overrides) -> User:
    user = User(phone=overrides.pop("phone", None) or next_phone(), full_name=nfc(full_name),
                name_folded=fold(full_name), role=Role(role), unit_code=unit_code,
                password_hash=password_hash(password), **overrides)
    db.session.add(user)
    db.session.commit()
    return user
