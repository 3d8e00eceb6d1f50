"""``fieldapp audit verify|sequence|checkpoint``: the activity log from the command line."""
import base64
import binascii
import sys
import time

import click

from fieldapp.cli.appcontext import with_appcontext


@click.group("audit")
def group():
    """The tamper-evident activity log."""


def _pinned(values: tuple[str, ...]) -> dict[str, bytes]:
    from fieldapp.audit.formats import key_id_of

    pinned = {}
    for value in values:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise click.BadParameter(f"not base64: {value}") from exc
        if len(raw) != 32:
            raise click.BadParameter("an Ed25519 public key is 32 bytes")
        pinned[key_id_of(raw)] = raw
    return pinned


@group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "keys", multiple=True,
              help="The commune's public key (base64, from GET /activity/head); repeat for rotated keys.")
@click.option("--head", "head_file", type=click.Path(exists=True, dir_okay=False),
              help="A signed checkpoint obtained separately (GET /activity/head saved as JSON): the export "
                   "must hold every entry it vouches for, so an export cut short fails.")
def audit_verify(file, keys, head_file):
    """Verify an exported activity log offline: exit 0 if intact, 1 naming the first problem."""
    # No app and no database: the file, the keys and the head are all it reads (and it starts fast).
    import json

    from fieldapp.audit.verify import BadHead, Head, Tampered, verify_file

    pinned = _pinned(keys) or None
    head = None
    if head_file:
        try:
            with open(head_file, encoding="utf-8") as handle:
                head = Head.from_json(json.load(handle))
            head.verified(pinned)
        except (ValueError, BadHead) as problem:  # json's errors are ValueErrors too
            raise click.BadParameter(f"{head_file}: {problem}", param_hint="--head") from problem
    try:
        report = verify_file(file, pinned_keys=pinned, head=head)
    except Tampered as problem:
        click.echo(f"TAMPERED: {file}: {problem}", err=True)
        sys.exit(1)
    click.echo(report.summary())


@group.command("sequence")
@click.option("--loop", is_flag=True, help="Keep running (a sequencer service beside the API)")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes with --loop")
@with_appcontext
def audit_sequence(loop, interval):
    """Give queued entries their sequence numbers and sign checkpoints for the logs that grew."""
    from flask import current_app

    from fieldapp.audit.background import SequencerLoop
    from fieldapp.audit.sequencer import checkpoint_sign_all, sequence_all
    from fieldapp.extensions import db

    if not loop:
        results = sequence_all(db.session)
        checkpoint_sign_all(db.session, [result.log_unit for result in results if result.added])
        db.session.commit()
        click.echo(f"sequenced {sum(r.added for r in results)} entries")
        return
    runner = SequencerLoop(current_app._get_current_object())
    while True:
        runner.run_once()
        time.sleep(interval)


@group.command("checkpoint")
@click.option("--log", "log_unit", required=True, help="Commune or province code, or VN")
@with_appcontext
def audit_checkpoint(log_unit):
    """Sequence what is queued for one log and sign a checkpoint of it."""
    from fieldapp.audit.sequencer import checkpoint_sign
    from fieldapp.extensions import db

    checkpoint = checkpoint_sign(db.session, log_unit)
    db.session.commit()
    if checkpoint is None:
        click.echo(f"log {log_unit} is empty")
    else:
        click.echo(f"log {log_unit}: size {checkpoint.size}, root {bytes(checkpoint.root_hash).hex()}, "
                   f"key {checkpoint.key_id}")
