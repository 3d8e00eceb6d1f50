"""Who is acting, and on which area: the pure type every layer passes around.

It imports nothing of ours but the models, so that the selectors, the services and the log writer
can name it without pulling in the request plumbing that resolves it (:mod:`fieldapp.auth.access`),
which itself needs a selector (the token lookup): that was an import circle, held together by a lazy
import.
"""
from __future__ import annotations

from dataclasses import dataclass

from fieldapp.models.users import Role


@dataclass(frozen=True)
class Caller:
    """Who is acting and on which area. The area comes from the account, never the request."""

    user_id: int
    role: Role
    #: Code of the area the role is held on; ``None`` for a nationwide admin.
    unit_code: str | None
    #: The province of that area (itself for a province), for province-wide reads.
    province_code: str | None

    @classmethod
    def held_on(cls, *, user_id: int, role: Role, unit_code: str | None, parent_code: str | None) -> Caller:
        """The caller of an account held on ``unit_code``, a unit whose parent is ``parent_code``
        (``None`` for a province)."""
        return cls(user_id=user_id, role=role, unit_code=unit_code,
                   province_code=None if unit_code is None else (parent_code or unit_code))

    @classmethod
    def of_user(cls, user) -> Caller:
        """The caller of ``user`` (a :class:`~fieldapp.models.users.User`)."""
        unit = user.unit
        return cls.held_on(user_id=user.id, role=user.role, unit_code=user.unit_code,
                           parent_code=None if unit is None else unit.parent_code)

    @property
    def is_national(self) -> bool:
        return self.unit_code is None

    @property
    def holds_province(self) -> bool:
        """Whether the role is held on a province (its communes are the area), not on one commune."""
        return self.unit_code is not None and self.unit_code == self.province_code

    def covers(self, unit_code: str | None, province_code: str | None) -> bool:
        """The area rule: whether a commune (with its province) or a province lies inside the
        caller's area. Nationwide covers everything; a province covers itself and its communes; a
        commune covers itself. :func:`fieldapp.auth.scope.communes_clause` is the same rule in SQL,
        for reads (tests/test_auth_scope.py checks that the two agree)."""
        if self.is_national:
            return True
        if self.holds_province:
            return province_code == self.province_code or unit_code == self.province_code
        return unit_code == self.unit_code
