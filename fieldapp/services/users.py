"""Accounts: creation, disabling, and the rules on who may grant which role where."""
from __future__ import annotations

from sqlalchemy import select, update

from fieldapp.auth.callers import Caller
from fieldapp.auth.permissions import GRANTABLE_ROLES, ROLE_AREA_LEVEL
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.tokens import AuthToken
from fieldapp.models.units import Unit
from fieldapp.models.users import Role, User
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.activity import activity_record
from fieldapp.services.passwords import MIN_PASSWORD_LENGTH, password_hash
from fieldapp.text import fold, nfc


def _role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise AppError("user.role_invalid", errors={"role": [f"one of {', '.join(r.value for r in Role)}"]}) \
            from exc


def _area(role: Role, unit_code: str | None, granter: Caller | None) -> Unit | None:
    """The unit the role is granted on, inside the granter's area (another area's unit is not found,
    exactly like a code that does not exist), checked against the level the role is held at."""
    level = ROLE_AREA_LEVEL[role]
    if unit_code is None:
        if level is None:
            return None
        raise AppError("unit.wrong_level", code="-", level=level, errors={"unit_code": ["required"]})
    unit = db.session.get(Unit, unit_code)
    if unit is None or (granter is not None and not granter.covers(unit.code, unit.parent_code or unit.code)):
        raise AppError("unit.not_found", code=unit_code, errors={"unit_code": ["unknown unit"]})
    if level is not None and unit.level.value != level:
        raise AppError("unit.wrong_level", code=unit_code, level=level)
    return unit


def _check_grant(granter: Caller, role: Role) -> None:
    """A caller may grant only the roles of their rank (and only inside their own area: ``_area``)."""
    if role not in GRANTABLE_ROLES[granter.role]:
        raise AppError("user.grant_outside_scope")


def user_create(
    *,
    phone: str,
    full_name: str,
    role: str | Role,
    unit_code: str | None,
    password: str,
    granter: Caller | None,
) -> User:
    """Create an account. ``granter`` is the caller, or ``None`` for the operator's command line."""
    try:
        phone_e164 = normalize_phone(phone)
    except InvalidPhone as exc:
        raise AppError("user.phone_invalid", errors={"phone": ["+84xxxxxxxxx or 0xxxxxxxxx"]}) from exc
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AppError("user.password_weak", min=MIN_PASSWORD_LENGTH)
    role = _role(role)
    if granter is not None:
        _check_grant(granter, role)
    unit = _area(role, unit_code, granter)
    if db.session.scalar(select(User.id).where(User.phone == phone_e164)) is not None:
        raise AppError("user.phone_taken", errors={"phone": ["taken"]})
    name = nfc(full_name)
    user = User(
        phone=phone_e164, full_name=name, name_folded=fold(name), role=role,
        unit_code=unit.code if unit else None, password_hash=password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    activity_record(
        action="user.create", object_type="user", object_id=user.id,
        log_unit=unit.code if unit else None, caller=granter,
        body={"role": role.value, "unit_code": user.unit_code},
    )
    return user


def _check_status_change(caller: Caller | None, user: User) -> None:
    """An officer disables or enables only accounts of the roles they could grant, never their own
    (``user`` is already one of their area: :func:`fieldapp.selectors.users.user_get`)."""
    if caller is None:
        return
    if user.id == caller.user_id:
        raise AppError("user.status_self")
    if user.role not in GRANTABLE_ROLES[caller.role]:
        raise AppError("user.status_outside_scope")


def user_disable(*, user: User, caller: Caller | None) -> User:
    """Disable an account (a volunteer who leaves, a lost phone): it can no longer sign in, and every
    live bearer token and console session of it is revoked now, in this transaction. ``caller`` is the
    officer, or ``None`` for the operator's command line. Disabling a disabled account changes nothing."""
    _check_status_change(caller, user)
    if not user.is_active:
        return user
    now = utcnow()
    user.is_active = False
    revoked = db.session.execute(
        update(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None),
                                AuthToken.expires_at > now)
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    activity_record(action="user.disable", object_type="user", object_id=user.id, log_unit=user.unit_code,
                    caller=caller, body={"role": user.role.value, "tokens_revoked": revoked})
    return user


def user_enable(*, user: User, caller: Caller | None) -> User:
    """Let a disabled account sign in again (the tokens revoked when it was disabled stay revoked)."""
    _check_status_change(caller, user)
    if user.is_active:
        return user
    user.is_active = True
    db.session.flush()
    activity_record(action="user.enable", object_type="user", object_id=user.id, log_unit=user.unit_code,
                    caller=caller, body={"role": user.role.value})
    return user
