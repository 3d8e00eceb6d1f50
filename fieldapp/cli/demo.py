"""``fieldapp demo load``: Xã Hùng Châu (Nghệ An, 17395), a realistic demo commune."""
import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from fieldapp.extensions import db

DEMO_COMMUNE = "17395"
DEMO_PROVINCE = "40"
DEMO_VILLAGES = [("Xóm Đông Sơn", "xóm"), ("Xóm Yên Lạc", "xóm"), ("Thôn Trung Hòa", "thôn"),
                 ("Thôn Phú Thọ", "thôn")]
#: (phone, name, role, unit) — the phones are demo numbers of the right shape.
DEMO_ACCOUNTS = [
    ("0912000001", "Nguyễn Văn Hùng", "commune_officer", DEMO_COMMUNE),
    ("0912000002", "Trần Thị Hoà", "team_leader", DEMO_COMMUNE),
    ("0912000003", "Lê Văn Nam", "volunteer", DEMO_COMMUNE),
    ("0912000004", "Phạm Thị Lan", "volunteer", DEMO_COMMUNE),
    ("0912000005", "Hồ Đức Anh", "volunteer", DEMO_COMMUNE),
    ("0912000006", "Võ Thị Mai", "province_officer", DEMO_PROVINCE),
]
DEMO_TEAM = "Tổ công nghệ số cộng đồng Xóm Đông Sơn"


def demo_load(*, reset_passwords: bool = False) -> list[tuple[str, str, str, str | None]]:
    """Create what is missing of the demo commune; return (phone, name, role, password) per account.

    The password is ``None`` for an account that already existed and was not reset.
    """
    from fieldapp.models import Team, Unit, User, Village
    from fieldapp.phones import normalize_phone
    from fieldapp.services.passwords import password_hash
    from fieldapp.services.teams import team_create, team_member_add
    from fieldapp.services.units import units_import
    from fieldapp.services.users import user_create
    from fieldapp.services.villages import village_create
    from fieldapp.text import fold

    if db.session.get(Unit, DEMO_COMMUNE) is None:
        units_import()
    for name, kind in DEMO_VILLAGES:
        exists = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(name)))
        if exists is None:
            village_create(commune_code=DEMO_COMMUNE, name=name, kind=kind, caller=None)
    credentials = []
    users = {}
    for phone, name, role, unit in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.phone == normalize_phone(phone)))
        password = None
        if user is None:
            password = secrets.token_urlsafe(9)
            user = user_create(phone=phone, full_name=name, role=role, unit_code=unit, password=password,
                               granter=None)
        elif reset_passwords:
            password = secrets.token_urlsafe(9)
            user.password_hash = password_hash(password)
        users[phone] = user
        credentials.append((user.phone, name, role, password))
    if db.session.scalar(select(Team.id).where(Team.commune_code == DEMO_COMMUNE)) is None:
        village_id = db.session.scalar(select(Village.id).where(
            Village.commune_code == DEMO_COMMUNE, Village.name_folded == fold(DEMO_VILLAGES[0][0])))
        team = team_create(commune_code=DEMO_COMMUNE, name=DEMO_TEAM, kind="community_tech",
                           leader=users["0912000002"], village_id=village_id, caller=None)
        for phone in ("0912000002", "0912000003", "0912000004", "0912000005"):
            team_member_add(team=team, user=users[phone], caller=None)
    return credentials


@click.group("demo")
def group():
    """Demo data."""


@group.command("load")
@click.option("--reset-passwords", is_flag=True, help="Give the demo accounts new passwords and print them")
@with_appcontext
def demo_load_command(reset_passwords):
    """Load Xã Hùng Châu (Nghệ An): villages, a team, accounts (safe to run again)."""
    from fieldapp.cli import cli_run_id

    cli_run_id()
    credentials = demo_load(reset_passwords=reset_passwords)
    db.session.commit()
    click.echo("Demo commune: Xã Hùng Châu, Tỉnh Nghệ An (17395). Accounts:")
    for phone, name, role, password in credentials:
        shown = password if password else "(unchanged; --reset-passwords prints a new one)"
        click.echo(f"  {role:<17} {phone}  {name:<18} password: {shown}")
