"""The commune console: server-rendered pages, in Vietnamese, for team leaders and officers.

One module per page (as the API has one per area), all on one blueprint (:mod:`.base`): signing in
(:mod:`.auth`), the dashboard (:mod:`.home`), the list of people supported (:mod:`.support_records`).

Signing in is the API's: the same check of phone and password and the same throttle of failures
(:func:`~fieldapp.services.tokens.user_authenticate`, :func:`~fieldapp.auth.signin.sign_in_throttled`).
The session is a server-side record like a bearer token (:class:`~fieldapp.models.tokens.AuthToken`
of kind ``console``: stored hashed, expiring, revoked on sign-out, dead with a disabled account),
whose id sits in Flask's signed session cookie with the account's id; both are checked on every
request. Reads go through the same scoped selectors as the API, writes through the same services.
Every form carries a CSRF token (:data:`fieldapp.extensions.csrf`); the headers come from
:mod:`fieldapp.pages`.
"""
from fieldapp.console import (  # noqa: F401  (their routes, on the blueprint)
    activity,
    auth,
    home,
    households,
    imports,
    reports,
    reviews,
    support_records,
    teams,
)
from fieldapp.console.base import bp

__all__ = ["bp"]
