"""Teams and accounts: build teams, add members, create and disable the accounts of the area, through
the services the API's ``/teams`` and ``/users`` call."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, list_read_body, reads
from fieldapp.auth.permissions import GRANTABLE_ROLES, ROLE_AREA_LEVEL
from fieldapp.console.base import ROLE_VI, bp, field_errors, page, page_context
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.teams import TeamKind, TeamMember
from fieldapp.models.types import INT32
from fieldapp.models.users import Role, User
from fieldapp.selectors import paginate
from fieldapp.selectors.teams import team_get, team_list_query
from fieldapp.selectors.users import user_get, user_list_query
from fieldapp.selectors.villages import village_list_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.teams import team_create, team_member_add
from fieldapp.services.users import user_create, user_disable, user_enable

TEAM_KIND_VI = {TeamKind.community_tech: "Tổ công nghệ số cộng đồng", TeamKind.youth: "Đoàn thanh niên",
                TeamKind.school: "Nhà trường", TeamKind.ambassador: "Đại sứ số"}
REQUIRED = "không được để trống"


def _teams_page(caller: Caller, *, errors: dict | None = None, form: dict | None = None, status: int = 200):
    teams = list(db.session.scalars(team_list_query(caller=caller)))
    member_ids = {m.user_id for t in teams for m in t.members} | {t.leader_id for t in teams}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))} if member_ids else {}
    commune = caller.unit_code if caller.unit_code and not caller.holds_province else None
    villages = list(db.session.scalars(village_list_query(caller=caller, commune_code=commune))) if commune else []
    field_users = list(db.session.scalars(user_list_query(caller=caller, active=True).where(
        User.role.in_((Role.volunteer, Role.team_leader)))))
    leaders = [(u.id, u.full_name) for u in field_users if u.role == Role.team_leader]
    candidates = [(u.id, f"{u.full_name} · {ROLE_VI[u.role]}") for u in field_users]
    personal_data_read_record(caller=caller, object_type="team_list", object_id="list", log_unit=caller.unit_code,
                              body=list_read_body(ids=sorted(member_ids), total=len(member_ids)))
    db.session.commit()
    return render_template("console/teams.html", teams=teams, people=people, kinds=TEAM_KIND_VI,
                           kind_options=[(k.value, v) for k, v in TEAM_KIND_VI.items()],
                           village_options=[(v.id, v.name) for v in villages], leaders=leaders,
                           village_names={v.id: v.name for v in villages},
                           candidates=candidates, errors=errors or {}, form=form or {},
                           **page_context(caller)), status


@bp.route("/teams", methods=["GET"])
@declares(personal_data=reads("team_list"))
@page("team.read")
def teams(caller: Caller):
    """The teams of my area (a leader: the teams I lead or belong to), with their members."""
    return _teams_page(caller)


def _id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= INT32[1] else None


@bp.route("/teams", methods=["POST"])
@declares(personal_data="write")
@page("team.create")
def team_create_submit(caller: Caller):
    """Set up a team of my commune (or one of its villages) with its leader: the API's ``POST /teams``."""
    form = request.form
    errors: dict[str, list[str]] = {}
    name = form.get("name", "").strip()[:200]
    if not name:
        errors["name"] = [REQUIRED]
    kind = form.get("kind", "")
    if kind not in TeamKind._value2member_map_:
        errors["kind"] = ["chọn loại tổ"]
    leader_id = _id(form.get("leader_id"))
    if leader_id is None:
        errors["leader_id"] = ["chọn tổ trưởng"]
    village_id = _id(form.get("village_id"))
    if not errors:
        try:
            team = team_create(caller=caller, commune_code=caller.unit_code, name=name, kind=kind,
                               leader=leader_id, village_id=village_id)
        except AppError as error:
            if error.status == 404 and error.spec.code not in ("user.not_found", "village.not_found"):
                raise
            errors = field_errors(error) or {"leader_id": [error.message("vi")]}
        else:
            db.session.commit()
            flash(f"Đã lập tổ {team.name}.", "ok")
            return redirect(url_for(".teams"))
    return _teams_page(caller, errors={f"team-{k}": v for k, v in errors.items()}, form=dict(form))


@bp.route("/teams/<int(max=2147483647):team_id>/members", methods=["POST"])
@declares(personal_data="write")
@page("team.member_add")
def team_member_submit(caller: Caller, team_id: int):
    """Add a volunteer of the commune to a team (its leader, or an officer): the API's ``POST /teams/{id}/members``."""
    team = team_get(caller=caller, team_id=team_id)  # another area's (or another leader's) team: 404
    user_id = _id(request.form.get("user_id"))
    errors: dict[str, list[str]] = {}
    if user_id is None:
        errors["user_id"] = ["chọn người"]
    else:
        already = db.session.get(TeamMember, (team.id, user_id)) is not None
        try:
            member = team_member_add(team=team, user=user_id, caller=caller)
        except AppError as error:
            if error.status == 404 and error.spec.code != "user.not_found":
                raise
            errors["user_id"] = [error.message("vi")]
        else:
            db.session.commit()
            name = db.session.get(User, member.user_id).full_name
            flash(f"{name} đã ở trong tổ {team.name}." if already else f"Đã thêm {name} vào tổ {team.name}.", "ok")
            return redirect(url_for(".teams"))
    return _teams_page(caller, errors={f"member-{team.id}-{k}": v for k, v in errors.items()})


def _accounts_page(caller: Caller, *, errors: dict | None = None, form: dict | None = None):
    page_number = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    q = request.args.get("q", "").strip()[:100] or None
    result = paginate(user_list_query(caller=caller, q=q), page=page_number, per_page=None)
    grantable = [r for r in Role if r in GRANTABLE_ROLES[caller.role]]
    personal_data_read_record(caller=caller, object_type="user_list", object_id="list", log_unit=caller.unit_code,
                              body=list_read_body(ids=[u.id for u in result["items"]], total=result["total"],
                                                  page=page_number))
    db.session.commit()
    return render_template("console/accounts.html", result=result, q=q or "", errors=errors or {},
                           form=form or {"unit_code": caller.unit_code or ""}, roles=ROLE_VI,
                           role_options=[(r.value, ROLE_VI[r]) for r in grantable],
                           grantable=set(grantable), args={"q": q} if q else {}, **page_context(caller))


@bp.route("/accounts", methods=["GET"])
@declares(personal_data=reads("user_list"))
@page("user.create")
def accounts(caller: Caller):
    """The accounts of my area (name and phone), and the form to create one."""
    return _accounts_page(caller)


@bp.route("/accounts", methods=["POST"])
@declares(personal_data="write")
@page("user.create")
def account_create_submit(caller: Caller):
    """Create an account with a role on an area inside mine: the API's ``POST /users``."""
    form = {k: request.form.get(k, "").strip() for k in ("phone", "full_name", "role", "unit_code")}
    password = request.form.get("password", "")
    errors: dict[str, list[str]] = {name: [REQUIRED] for name in ("phone", "full_name", "role") if not form[name]}
    if not password:
        errors["password"] = [REQUIRED]
    if form["role"] and form["role"] not in Role._value2member_map_:
        errors["role"] = ["chọn vai trò"]
    if not errors:
        level = ROLE_AREA_LEVEL[Role(form["role"])]
        try:
            user = user_create(granter=caller, phone=form["phone"][:32], full_name=form["full_name"][:200],
                               role=form["role"], unit_code=(form["unit_code"] or None) if level else None,
                               password=password[:256])
        except AppError as error:
            errors = field_errors(error)
            messages = {"user.phone_invalid": "phone", "user.phone_taken": "phone", "user.password_weak": "password",
                        "unit.not_found": "unit_code", "unit.wrong_level": "unit_code", "user.role_invalid": "role",
                        "user.grant_outside_scope": "role"}
            field = messages.get(error.spec.code, "phone")
            errors[field] = [error.message("vi")]
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.full_name} ({ROLE_VI[user.role]}).", "ok")
            return redirect(url_for(".accounts"))
    return _accounts_page(caller, errors=errors, form=form)


@bp.route("/accounts/<int(max=2147483647):user_id>/disable", methods=["POST"])
@declares(personal_data="write")
@page("user.disable")
def account_disable_submit(caller: Caller, user_id: int):
    """Disable an account of my area: no more sign-ins, its tokens and sessions revoked (as
    ``POST /users/{id}/disable``)."""
    user = user_disable(user=user_get(caller=caller, user_id=user_id), caller=caller)
    db.session.commit()
    flash(f"Đã khoá tài khoản {user.full_name}.", "ok")
    return redirect(url_for(".accounts"))


@bp.route("/accounts/<int(max=2147483647):user_id>/enable", methods=["POST"])
@declares(personal_data="write")
@page("user.enable")
def account_enable_submit(caller: Caller, user_id: int):
    """Let a disabled account of my area sign in again (``POST /users/{id}/enable``)."""
    user = user_enable(user=user_get(caller=caller, user_id=user_id), caller=caller)
    db.session.commit()
    flash(f"Đã mở lại tài khoản {user.full_name}.", "ok")
    return redirect(url_for(".accounts"))
