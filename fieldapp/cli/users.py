"""``fieldapp users create|disable|enable``."""
import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.runs import cli_run_id


class _Roles(click.Choice):
    """The values of :class:`fieldapp.models.users.Role`, read when the option is shown or checked: the
    models are not imported to list the commands."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        from fieldapp.models.users import Role

        return tuple(role.value for role in Role)

    @choices.setter
    def choices(self, _values):
        pass  # click.Choice sets them in __init__; they are the enum's


@click.group("users")
def group():
    """Accounts."""


@group.command("create")
@click.option("--phone", required=True, help="0912345678 or +84912345678")
@click.option("--name", "full_name", required=True, help="Họ, chữ đệm và tên")
@click.option("--role", required=True, type=_Roles())
@click.option("--unit", "unit_code", default=None, help="Commune or province code (none for a national admin)")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@with_appcontext
def users_create_command(phone, full_name, role, unit_code, password_stdin):
    """Create an account (the operator acts; the activity log records it)."""
    import sys

    from fieldapp.errors import AppError
    from fieldapp.extensions import db
    from fieldapp.services.users import user_create

    cli_run_id()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_create(phone=phone, full_name=full_name, role=role, unit_code=unit_code,
                           password=password, granter=None)
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.spec.code}: {error.message('en')} {error.errors or ''}".strip()) \
            from error
    db.session.commit()
    click.echo(f"created user {user.id}: {user.phone} {user.role.value} on {user.unit_code or 'VN'}")


def _set_status(phone: str, *, disable: bool) -> None:
    from fieldapp.errors import AppError
    from fieldapp.extensions import db
    from fieldapp.selectors.users import user_by_phone
    from fieldapp.services.users import user_disable, user_enable

    cli_run_id()
    try:
        user = user_by_phone(phone=phone)
        was_active = user.is_active
        (user_disable if disable else user_enable)(user=user, caller=None)
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.spec.code}: {error.message('en')} {error.errors or ''}".strip()) \
            from error
    db.session.commit()
    state = "disabled" if disable else "enabled"
    changed = "" if was_active == disable else " (it already was)"
    click.echo(f"{state} user {user.id}: {user.phone} {user.role.value} on {user.unit_code or 'VN'}{changed}")


@group.command("disable")
@click.option("--phone", required=True, help="0912345678 or +84912345678")
@with_appcontext
def users_disable_command(phone):
    """Disable an account: it cannot sign in, its tokens and console sessions end now (logged)."""
    _set_status(phone, disable=True)


@group.command("enable")
@click.option("--phone", required=True, help="0912345678 or +84912345678")
@with_appcontext
def users_enable_command(phone):
    """Let a disabled account sign in again (logged)."""
    _set_status(phone, disable=False)
