"""What every server-rendered page has in common, whichever blueprint serves it (the projector
display, the commune console): its security headers; and the two of them every API answer carries too.

A page blueprint is made with :func:`page_blueprint`, which attaches them; a page cannot be added
without them, and they are written once (:func:`_shared_headers`, for the pages and the API alike).
"""
from __future__ import annotations

from flask import Blueprint, Response, request

#: The projector display refreshes its code with a script (it must never reload); script and
#: stylesheet come from /static, the code's SVG from its own JSON (connect-src), nothing inline.
DISPLAY_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: The console's few scripts (drawing a polygon on the households' map) and its one stylesheet come
#: from /static, nothing inline; its forms post only to itself. Charts and maps are SVG drawn by the
#: server, in the page.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "base-uri 'none'; frame-ancestors 'none'")


#: The API's answers a browser or proxy may keep: the health probes, the API's description and the public
#: results (aggregates only, which say their own max-age), which hold nothing personal. Any other one may
#: hold personal data (a person, a list, an export). Their errors are not kept either.
API_CACHEABLE_ENDPOINTS = frozenset({"health.healthz", "health.livez", "api-docs.openapi_json",
                                     "public_results.public_results"})
API_PREFIX = "/api/v1"


def _shared_headers(response: Response, *, no_store: bool) -> Response:
    """``nosniff`` (a browser never runs a JSON answer, an export or a page as another type), and
    ``no-store`` unless the answer may be kept."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def api_headers(response: Response) -> Response:
    """App-wide ``after_request``: every answer under /api/v1, errors included, even Flask's own 404
    and 405 (which no blueprint serves), carries the shared headers. The rule for ``no-store`` is
    the simplest that is never wrong: all of them but the successes of :data:`API_CACHEABLE_ENDPOINTS`."""
    path = request.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        _shared_headers(response, no_store=request.endpoint not in API_CACHEABLE_ENDPOINTS
                        or response.status_code >= 400)
    return response


def page_blueprint(name: str, import_name: str, *, url_prefix: str, csp: str,
                   referrer_policy: str = "no-referrer") -> Blueprint:
    """A blueprint of pages, each answer of which carries the security headers.

    ``csp`` is the page's Content-Security-Policy. ``referrer_policy``: ``no-referrer`` unless the
    pages post forms over HTTPS, where the CSRF check compares the Referer with the host (then
    ``same-origin``: the browser sends it to the site itself, never to another).
    """
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)

    @blueprint.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for browsers without CSP 2
        headers.setdefault("Referrer-Policy", referrer_policy)
        # Pages show personal data and live codes: no browser or proxy keeps a copy.
        return _shared_headers(response, no_store=True)

    return blueprint
