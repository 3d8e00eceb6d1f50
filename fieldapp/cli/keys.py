"""``fieldapp keys``: the Ed25519 signing keys (activity-log checkpoints, QR codes)."""
import click
from flask.cli import with_appcontext

from fieldapp.extensions import db


@click.group("keys")
def group():
    """Signing keys: private halves in KEYS_DIR, public halves in the database."""


@group.command("rotate")
@click.option("--purpose", type=click.Choice(["audit", "qr"]), required=True)
@with_appcontext
def keys_rotate(purpose):
    """Make a new key; it signs from now on, older keys stay valid until retired."""
    from fieldapp.crypto.keys import key_create

    row = key_create(purpose=purpose)
    db.session.commit()
    click.echo(f"{purpose} key {row.key_id}: public key {row.public_key}")


@group.command("retire")
@click.argument("key_id")
@with_appcontext
def keys_retire(key_id):
    """Retire a key: it signs nothing more (and QR codes it signed stop being accepted)."""
    from fieldapp.crypto.keys import key_retire

    row = key_retire(key_id=key_id)
    db.session.commit()
    click.echo(f"retired {row.purpose} key {row.key_id}")


@group.command("list")
@with_appcontext
def keys_list():
    """Every key with its purpose and state."""
    from fieldapp.crypto.keys import PURPOSES, public_keys

    for purpose in PURPOSES:
        for row in public_keys(purpose=purpose):
            state = f"retired {row.retired_at:%Y-%m-%d}" if row.retired_at else "live"
            click.echo(f"{purpose:<6} {row.key_id} {state:<18} {row.public_key}")
