"""``fieldapp keys``: the Ed25519 signing keys (activity-log checkpoints, QR codes).

Making and retiring a key are the operator's acts on what every checkpoint and QR code rests on: each
is an entry in the national log (``VN``), with the key's id and purpose, never the key.
"""
import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.runs import cli_run_id


def _logged(row, *, action: str) -> None:
    from fieldapp.models.activity import NATIONAL_LOG
    from fieldapp.services.activity import activity_record

    cli_run_id()
    activity_record(action=action, object_type="signing_key", object_id=row.key_id, log_unit=NATIONAL_LOG,
                    caller=None, body={"purpose": row.purpose})


@click.group("keys")
def group():
    """Signing keys: private halves in KEYS_DIR, public halves in the database."""


@group.command("rotate")
@click.option("--purpose", type=click.Choice(["audit", "qr"]), required=True)
@with_appcontext
def keys_rotate(purpose):
    """Make a new key; it signs from now on, older keys stay valid until retired."""
    from fieldapp.crypto.keys import key_create
    from fieldapp.extensions import db

    row = key_create(purpose=purpose)
    _logged(row, action="signing_key.rotate")
    db.session.commit()
    click.echo(f"{purpose} key {row.key_id}: public key {row.public_key}")


@group.command("retire")
@click.argument("key_id")
@with_appcontext
def keys_retire(key_id):
    """Retire a key: it signs nothing more (and QR codes it signed stop being accepted)."""
    from fieldapp.crypto.keys import KeyUnavailable, key_retire
    from fieldapp.extensions import db
    from fieldapp.models.keys import SigningKey

    try:
        already = getattr(db.session.get(SigningKey, key_id), "retired_at", None) is not None
        row = key_retire(key_id=key_id)
    except KeyUnavailable as error:
        raise click.ClickException(str(error)) from error
    if not already:  # retiring a retired key changes nothing, and logs nothing
        _logged(row, action="signing_key.retire")
    db.session.commit()
    click.echo(f"retired {row.purpose} key {row.key_id}" + (" (it already was)" if already else ""))


@group.command("list")
@with_appcontext
def keys_list():
    """Every key with its purpose and state."""
    from fieldapp.crypto.keys import PURPOSES, public_keys

    for purpose in PURPOSES:
        for row in public_keys(purpose=purpose):
            state = f"retired {row.retired_at:%Y-%m-%d}" if row.retired_at else "live"
            click.echo(f"{purpose:<6} {row.key_id} {state:<18} {row.public_key}")
