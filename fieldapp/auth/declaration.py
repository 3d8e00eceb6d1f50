"""What each route does with personal data, declared beside its verb, and the reads logged from it.

Every view declares one of three (``requires(verb, personal_data=…)``, or :func:`declares` for the
few routes without a verb):

- ``reads("household")``: its answer holds personal data of people other than the caller (a name,
  birth year, phone, address, a GPS point, who was helped). An officer's call, once the view has
  succeeded, leaves an entry ``household.view`` in the activity log, in the request's transaction
  and committed before the answer is sent (:func:`read_logged`).
- ``"write"``: it changes what the server holds. Its service writes the entry of the change
  (``services.activity.activity_record``); the declaration adds nothing at run time.
- ``"none"``: nothing personal is answered and nothing changes; nothing is logged.

The declaration is written into the OpenAPI operation as ``x-personal-data`` (``read``, ``write``
or ``none``), beside ``x-permission``. ``tests/test_route_logging.py`` walks the route map: a route
without a declaration, a read that stops logging, a write without its entry, or a "none" that logs,
fails it.

Why only officers' reads (commune and province officers, admins): they can browse a whole commune or
province, which is what the activity log must show (docs/security.md, "A curious officer"). A
volunteer reads the households assigned to them and a team leader their team's, which is the field
work itself; logging those would put every worklist refresh into the log, the busiest request after
the check-in.
"""
from __future__ import annotations

import functools
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from flask_smorest.utils import get_appcontext

from fieldapp.extensions import db
from fieldapp.services.activity import personal_data_read_logged, personal_data_read_record

READ, WRITE, NONE = "read", "write", "none"

#: Query parameters whose value is never written in the log, only that they were given: a name
#: searched for is personal data, and a point searched near may be someone's home.
UNLOGGED_VALUES = frozenset({"q", "near"})


@dataclass(frozen=True)
class Declaration:
    #: ``read``, ``write`` or ``none``.
    personal_data: str
    #: For reads: the object type of the entry; its action is ``<logged_as>.view``.
    logged_as: str | None = None

    @property
    def action(self) -> str | None:
        return None if self.logged_as is None else f"{self.logged_as}.view"


def reads(logged_as: str) -> Declaration:
    """The route answers personal data; an officer's read is logged as ``<logged_as>.view``."""
    return Declaration(READ, logged_as)


def declaration(value: Declaration | str) -> Declaration:
    """``reads(...)``, ``"write"`` or ``"none"``; a read must say what it is logged as."""
    if isinstance(value, Declaration):
        return value
    if value in (WRITE, NONE):
        return Declaration(value)
    raise TypeError(f"personal_data must be reads('<object type>'), 'write' or 'none', not {value!r}")


#: Routes the frameworks register themselves (no view of ours to decorate).
FRAMEWORK_ROUTES = {"static": Declaration(NONE), "api-docs.openapi_json": Declaration(NONE)}


def declaration_of(app, endpoint: str) -> Declaration | None:
    """What the view of ``endpoint`` declared, or ``None`` when it declared nothing."""
    if endpoint in FRAMEWORK_ROUTES:
        return FRAMEWORK_ROUTES[endpoint]
    return getattr(app.view_functions[endpoint], "personal_data", None)


def declares(*, personal_data: Declaration | str):
    """Decorator: declare what the view does with personal data (see the module's doc).

    A read gets a wrapper that logs an officer's call after the view succeeded; writes and "none"
    get no wrapper at all, so the check-in pays nothing for its declaration.
    """
    declared = declaration(personal_data)

    def decorator(view):
        if declared.personal_data == READ:
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                # Nothing of another request that shared the app context (the tests do) counts here.
                g.activity_recorded = False
                get_appcontext().pop("result_dump", None)
                answer = view(*args, **kwargs)
                caller = g.get("caller")
                if caller is None or not personal_data_read_logged(caller):  # no query, no body for anyone else
                    return answer
                response = current_app.make_response(answer)
                if response.status_code < 400:
                    read_logged(declared, caller=caller, path_args=kwargs, response=response)
                return response
        else:
            wrapper = view
        wrapper.personal_data = declared
        # Into the operation's document as Blueprint.doc would put it, without the wrapper it adds.
        wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        wrapper._apidoc["manual_doc"] = {**wrapper._apidoc.get("manual_doc", {}),
                                         "x-personal-data": declared.personal_data}
        return wrapper

    return decorator


def read_logged(declared: Declaration, *, caller, path_args: dict, response) -> None:
    """Record an officer's read of a declared route, unless the view recorded it itself.

    Views that know more keep writing their own entry (which visits' locations were shown, the
    object's commune when the answer does not say it), and exports their ``….export`` entry; an
    entry already written by this request stands for the read, so nothing is logged twice. Else the
    entry holds what the answer shows: the object's id (from the path, or the answer's ``id``), the
    log of its commune (``commune_code``) or the caller's; for a list, the count, total, page, the ids
    of the items shown and the filters.
    """
    if g.get("activity_recorded"):
        return
    dump = get_appcontext().get("result_dump")  # what flask-smorest dumped; none for a file
    path_id = next((str(value) for value in path_args.values()), None)
    if isinstance(dump, dict) and "items" in dump:
        object_id, log_unit = path_id or "list", caller.unit_code
        body = list_read_body(ids=[_item_id(item) for item in dump["items"]], total=dump.get("total"),
                              page=dump.get("page"))
    elif isinstance(dump, list):
        object_id, log_unit = path_id or "list", caller.unit_code
        body = list_read_body(ids=[_item_id(item) for item in dump], total=len(dump))
    elif isinstance(dump, dict):
        object_id = path_id or str(dump.get("id", "one"))
        log_unit, body = dump.get("commune_code") or caller.unit_code, {}
    else:  # a file (a PDF of plates): what was asked for says what it holds
        object_id, log_unit, body = path_id or "list", caller.unit_code, {}
    if (filters := query_filters()) and "filters" not in body:
        body["filters"] = filters
    personal_data_read_record(caller=caller, object_type=declared.logged_as, object_id=object_id,
                              log_unit=log_unit, body=body)
    db.session.commit()


def list_read_body(*, ids: list, total: int | None, page: int | None = None) -> dict[str, Any]:
    """The body of a list's read entry: how many items were shown, of how many, which, and the
    filters of the request (:func:`query_filters`)."""
    body = {"count": len(ids), "total": total, "ids": [i for i in ids if i is not None]}
    if page is not None:
        body["page"] = page
    if filters := query_filters():
        body["filters"] = filters
    return body


def query_filters() -> dict[str, Any]:
    """The request's query parameters as logged: values as sent (ids, enum values, times), but only
    ``true`` for :data:`UNLOGGED_VALUES`; paging is in the body already."""
    filters: dict[str, Any] = {}
    for name, values in request.args.to_dict(flat=False).items():
        if name in ("page", "per_page"):
            continue
        filters[name] = True if name in UNLOGGED_VALUES else (values[0] if len(values) == 1 else values)
    return filters


def _item_id(item) -> Any:
    """An item's id: its own ``id`` (or ``user_id``), else that of the object it wraps (a worklist
    item's household, a list item's ambassador)."""
    if not isinstance(item, dict):
        return None
    for key in ("id", "user_id"):
        if item.get(key) is not None:
            return item[key]
    for value in item.values():
        if isinstance(value, dict) and (found := _item_id(value)) is not None:
            return found
    return None
