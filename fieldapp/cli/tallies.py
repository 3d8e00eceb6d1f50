"""``fieldapp tallies rebuild`` and ``fieldapp tallies check``: the indicators' roll-ups
(fieldapp/models/tallies.py), which the write path keeps exact; rebuilt after a restore from a dump
taken of the records alone, checked against a full recount whenever an operator doubts them."""
import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.progress import Progress


@click.group("tallies")
def group():
    """The indicators' roll-ups."""


@group.command("rebuild")
@with_appcontext
def tallies_rebuild_command():
    """Empty every roll-up and count it again from the records, in one transaction."""
    from fieldapp.extensions import db
    from fieldapp.models.tallies import tallies_rebuild
    from fieldapp.partitions import support_quarters_detached

    detached = support_quarters_detached(db.session.connection())
    if detached:
        # Why: the roll-ups still count what a detached quarter held (docs/deploy.md, "Partitions"); a
        # recount of the records still attached would make its figures zero.
        raise click.ClickException(
            f"the support records of {', '.join(detached)} are detached (archived): a rebuild counts only the "
            "records still attached and would lose their figures; attach them again first (docs/deploy.md)")
    bars: dict[str, Progress] = {}

    def progress(name, done, total):
        bars.setdefault(name, Progress(name))(done, total)

    written = tallies_rebuild(db.session.connection(), progress=progress)
    db.session.commit()
    for name, rows in written.items():
        click.echo(f"{name}: {rows} rows")


@group.command("check")
@with_appcontext
def tallies_check_command():
    """Compare every roll-up with a full recount from the records; exit 1 on any difference."""
    from fieldapp.extensions import db
    from fieldapp.models.tallies import tallies_recount, tallies_stored
    from fieldapp.partitions import support_quarters_detached

    conn = db.session.connection()
    detached = support_quarters_detached(conn)
    if detached:
        click.echo(f"note: the support records of {', '.join(detached)} are detached (archived): their days "
                   "differ from this recount, which sees only the records still attached")
    stored, expected = tallies_stored(conn), tallies_recount(conn)
    wrong = 0
    for name in sorted(expected):
        want = {k: v for k, v in expected[name].items() if v != 0}
        have = stored.get(name, {})
        differing = {k for k in set(want) | set(have) if want.get(k) != have.get(k)}
        wrong += len(differing)
        click.echo(f"{name}: {len(have)} rows, {len(differing)} differ")
        for key in sorted(differing, key=repr)[:5]:
            click.echo(f"  {key}: stored {have.get(key)}, recount {want.get(key)}")
    db.session.rollback()
    if wrong:
        raise SystemExit(1)
