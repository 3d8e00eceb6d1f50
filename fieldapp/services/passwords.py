"""argon2id password hashing (memory-hard, as issue 2 asks)."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 8


@functools.lru_cache(maxsize=4)
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def password_hash(password: str) -> str:
    return hasher().hash(password)


def password_verify(stored_hash: str, password: str) -> bool:
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=4)
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("not-a-password-of-anyone")


def password_verify_dummy(password: str) -> None:
    """Spend the time of a real check, so a wrong phone cannot be told from a wrong password."""
    password_verify(_dummy_hash(current_app.config["PASSWORD_HASH_PROFILE"]), password)
