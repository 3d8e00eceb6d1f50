"""Households: search without diacritics, the map of their points by status over the villages'
outlines, a selection (by list, by village, or by a polygon drawn on the map) to give to a volunteer
through the assignments service, and the selection's QR plates to print."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, list_read_body, reads
from fieldapp.auth.scope import commune_in_scope
from fieldapp.console.base import bp, field_errors, page, page_context
from fieldapp.console.maps import projection
from fieldapp.errors import AppError, FieldMessage
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models.households import Household
from fieldapp.models.types import INT32
from fieldapp.models.units import Unit
from fieldapp.models.users import User
from fieldapp.qr.sheets import plates_pdf
from fieldapp.selectors import paginate
from fieldapp.selectors.households import (
    HouseholdStatus,
    household_get,
    household_heads,
    household_list_query,
    household_plate_labels,
    household_points,
    households_selected,
    status_of,
)
from fieldapp.selectors.persons import person_list_query
from fieldapp.selectors.teams import team_members_in_reach
from fieldapp.selectors.villages import village_list_query, village_outlines
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.assignments import assignments_create

STATUS_VI = {HouseholdStatus.not_visited: "Chưa thăm", HouseholdStatus.visited: "Đã thăm",
             HouseholdStatus.digital_family: "Gia đình số"}
#: The most households whose plates one PDF prints (as GET /households/plates.pdf).
PLATES_MAX = 500
_NOT_A_NUMBER = FieldMessage("phải là một số", "must be a number")
_VOLUNTEER_REQUIRED = FieldMessage("chọn một tình nguyện viên", "choose a volunteer")


def _int_arg(source, name: str, errors: dict) -> int | None:
    text = (source.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > INT32[1] or int(text) < 1:
        errors.setdefault(name, []).append(_NOT_A_NUMBER.vi)
        return None
    return int(text)


def _ids_arg(source) -> list[str] | None:
    ids = [part.strip() for value in source.getlist("ids") for part in value.split(",") if part.strip()]
    return ids or None


def _commune_of(caller: Caller, source, errors: dict) -> str | None:
    """The commune the page is about: the caller's own, or for a province's officer the one chosen."""
    code = (source.get("commune") or "").strip()[:5]
    if code:
        try:
            return commune_in_scope(caller, code).code
        except AppError:
            errors["commune"] = ["không có xã này trong địa bàn của bạn"]
            return None
    if caller.unit_code and not caller.holds_province:
        return caller.unit_code
    return None


def _assignees(households: list[Household]) -> dict[int, str]:
    ids = {h.active_assignment.volunteer_id for h in households if h.active_assignment}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def _map(caller: Caller, query, commune_code: str | None) -> dict:
    points = household_points(query)
    outlines = village_outlines(caller=caller, commune_code=commune_code) if commune_code else []
    centre = None
    if commune_code:
        unit = db.session.get(Unit, commune_code)
        found = point_of(unit.centroid) if unit is not None else None
        centre = (found.lon, found.lat) if found else None
    positions = [(p.lon, p.lat) for _id, p, _s, _a in points] + [xy for _v, ring in outlines for xy in ring]
    proj = projection(positions, centre=centre)
    return {"projection": proj,
            "points": [{"id": public_id, "x": proj.xy(p.lon, p.lat)[0], "y": proj.xy(p.lon, p.lat)[1],
                        "status": status.value, "status_vi": STATUS_VI[status], "address": address}
                       for public_id, p, status, address in points],
            "outlines": [{"name": v.name, "path": proj.path(ring),
                          "label": proj.xy(sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring))}
                         for v, ring in outlines]}


@bp.route("/households", methods=["GET"])
@declares(personal_data=reads("household_list"))
@page("household.read")
def households(caller: Caller):
    """Households of my area: a member's name (without diacritics), village, status; the map; a selection."""
    errors: dict[str, list[str]] = {}
    page_number = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    village_id = _int_arg(request.args, "village_id", errors)
    status = request.args.get("status") or None
    status = HouseholdStatus(status) if status in HouseholdStatus._value2member_map_ else None
    q = request.args.get("q", "").strip()[:100] or None
    commune_code = _commune_of(caller, request.args, errors)
    query = household_list_query(caller=caller, village_id=village_id, status=status, q=q)
    if commune_code:
        query = query.where(Household.commune_code == commune_code)
    result = paginate(query, page=page_number, per_page=None)
    items = result["items"]
    villages = list(db.session.scalars(village_list_query(caller=caller, commune_code=commune_code))) \
        if commune_code else []
    personal_data_read_record(caller=caller, object_type="household_list", object_id="list",
                              log_unit=caller.unit_code,
                              body=list_read_body(ids=[h.public_id for h in items], total=result["total"],
                                                  page=page_number))
    db.session.commit()
    args = {k: v for k, v in {"q": q, "village_id": village_id, "status": status.value if status else None,
                              "commune": request.args.get("commune") or None}.items() if v is not None}
    return render_template(
        "console/households.html", result=result, items=items, heads=household_heads(items),
        assignees=_assignees(items), status_of=status_of, status_vi=STATUS_VI, statuses=list(HouseholdStatus),
        villages=villages, village_options=[(v.id, v.name) for v in villages],
        status_options=[(s.value, STATUS_VI[s]) for s in HouseholdStatus], village_id=village_id, status=status,
        q=q or "", errors=errors, args=args,
        commune_code=commune_code, map=_map(caller, query, commune_code), **page_context(caller))


def _selection_args(source, errors: dict) -> dict:
    """How the selection was made: ``ids``, ``village_id`` or ``polygon`` (GeoJSON text), as given."""
    polygon_text = (source.get("polygon") or "").strip()
    polygon = None
    if polygon_text:
        try:
            polygon = json.loads(polygon_text)
        except ValueError:
            errors["polygon"] = ["vùng vẽ không đọc được: hãy vẽ lại trên bản đồ"]
    return {"household_ids": _ids_arg(source), "village_id": _int_arg(source, "village_id", errors),
            "polygon": polygon}


def _selected(caller: Caller, selection: dict, errors: dict) -> list[Household]:
    given = {k: v for k, v in selection.items() if v is not None}
    if errors or len(given) != 1:
        if not errors:
            errors["selection"] = ["chọn hộ theo danh sách, theo thôn/xóm, hoặc vẽ một vùng trên bản đồ (một cách)"]
        return []
    try:
        return households_selected(caller=caller, **selection)
    except AppError as error:
        if error.status == 404:
            raise
        for name, messages in field_errors(error).items():
            errors[name] = messages
        errors.setdefault("selection", [error.message("vi")])
        return []


def _member_options(members) -> list[tuple[str, str]]:
    return [(f"{user.id}:{team.id}", f"{user.full_name} · {team.name}") for team, user in members]


def _selection_page(caller: Caller, selection: dict, chosen: list[Household], errors: dict, *, status: int = 200,
                    volunteer: str = ""):
    members = team_members_in_reach(caller=caller)
    heads = household_heads(chosen[:200])
    hidden = {"polygon": json.dumps(selection["polygon"], separators=(",", ":")) if selection["polygon"] else None,
              "village_id": selection["village_id"], "ids": ",".join(selection["household_ids"] or []) or None}
    return render_template(
        "console/selection.html", chosen=chosen, shown=chosen[:200], heads=heads, status_of=status_of,
        status_vi=STATUS_VI, members=members, errors=errors, hidden={k: v for k, v in hidden.items() if v},
        volunteer=volunteer, members_options=_member_options,
        plates_ids=",".join(h.public_id for h in chosen) if len(chosen) <= PLATES_MAX else None,
        plates_max=PLATES_MAX, **page_context(caller)), status


@bp.route("/households/selection", methods=["GET"])
@declares(personal_data=reads("household_list"))
@page("household.read")
def households_selection(caller: Caller):
    """The households selected (by list, village or polygon): give them to a volunteer, or print their plates."""
    errors: dict[str, list[str]] = {}
    selection = _selection_args(request.args, errors)
    chosen = _selected(caller, selection, errors)
    personal_data_read_record(caller=caller, object_type="household_list", object_id="list",
                              log_unit=caller.unit_code,
                              body=list_read_body(ids=[h.public_id for h in chosen[:200]], total=len(chosen)))
    db.session.commit()
    return _selection_page(caller, selection, chosen, errors, status=422 if errors else 200)


@bp.route("/households/assign", methods=["POST"])
@declares(personal_data="write")
@page("household.assign")
def households_assign(caller: Caller):
    """Give the selected households to a volunteer of my team: ``POST /api/v1/assignments``'s service and rule."""
    errors: dict[str, list[str]] = {}
    selection = _selection_args(request.form, errors)
    volunteer = request.form.get("volunteer", "")
    volunteer_id, _, team_id = volunteer.partition(":")
    if not (volunteer_id.isdigit() and team_id.isdigit()):
        errors["volunteer"] = [_VOLUNTEER_REQUIRED.vi]
    if not errors and sum(v is not None for v in selection.values()) == 1:
        try:
            result = assignments_create(caller=caller, volunteer_id=int(volunteer_id), team_id=int(team_id),
                                        **selection)
        except AppError as error:
            if error.status == 404:
                raise
            errors.update(field_errors(error))
            if "volunteer_id" in errors:
                errors["volunteer"] = errors.pop("volunteer_id")
            errors.setdefault("selection", [error.message("vi")])
        else:
            db.session.commit()
            name = db.session.get(User, result.volunteer_id).full_name
            flash(f"Đã giao {len(result.assigned)} hộ cho {name}"
                  + (f" ({result.reassigned} hộ chuyển từ người khác)" if result.reassigned else "")
                  + (f"; {result.unchanged} hộ đã được giao cho người này từ trước" if result.unchanged else "")
                  + ".", "ok")
            return redirect(url_for(".households"))
    chosen = _selected(caller, selection, {}) if not errors.get("selection") else []
    return _selection_page(caller, selection, chosen, errors, volunteer=volunteer)


@bp.route("/households/plates.pdf", methods=["GET"])
@declares(personal_data=reads("household_plates"))
@page("household.read")
def households_plates(caller: Caller):
    """The QR plates of the selected households (a village's, or chosen ones), to print: the API's PDF."""
    errors: dict[str, list[str]] = {}
    selection = {"household_ids": _ids_arg(request.args), "village_id": _int_arg(request.args, "village_id", errors),
                 "polygon": None}
    if errors or (selection["household_ids"] is None) == (selection["village_id"] is None):
        raise AppError("plates.target_required")
    if selection["household_ids"] and len(selection["household_ids"]) > PLATES_MAX:
        raise AppError("request.invalid", errors={"ids": [f"at most {PLATES_MAX}"]})
    chosen = households_selected(caller=caller, **selection)
    if not chosen:
        raise AppError("household.not_found")
    labels = household_plate_labels(chosen)
    db.session.commit()  # a first QR key may have been made just now
    return Response(plates_pdf(labels), mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="ma-qr-ho-gia-dinh.pdf"'})


@bp.route("/households/<public_id:household_id>", methods=["GET"])
@declares(personal_data=reads("household"))
@page("household.read")
def household_detail(caller: Caller, household_id: str):
    """One household of my area and its members (another area's, or another team's: not found)."""
    household = household_get(caller=caller, public_id=household_id)
    members = list(db.session.scalars(person_list_query(caller=caller, household=household)))
    assignee = db.session.get(User, household.active_assignment.volunteer_id) if household.active_assignment else None
    personal_data_read_record(caller=caller, object_type="household", object_id=household.public_id,
                              log_unit=household.commune_code, body={})
    db.session.commit()
    return render_template("console/household.html", household=household, members=members, assignee=assignee,
                           status=STATUS_VI[status_of(household)], point=point_of(household.location),
                           **page_context(caller))
