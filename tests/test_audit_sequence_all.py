"""The set-based pass (``sequence_all``): the same log as ``sequence_log`` log by log, and the locks it shares."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldapp.audit import merkle
from fieldapp.audit.sequencer import (
    _lock_log,
    entry_leaf,
    lock_sequencer,
    sequence_all,
    sequence_log,
    sequence_pending,
)
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, ActivityLeaf, ActivityNode, ActivityQueued
from fieldapp.services.activity import activity_record
from tests.audit_helpers import fill_log

#: Sequenced before the test's queue (so the frontiers have leaves and nodes of every shape), then queued.
HISTORY = [0, 1, 2, 3, 5, 7, 8, 13, 16, 31, 0, 4]
QUEUED = [1, 2, 9, 4, 1, 17, 3, 1, 6, 2, 11, 5]


def _logs(prefix: str) -> list[str]:
    return [f"{prefix}{number:02d}" for number in range(len(HISTORY))]


def _state(logs):
    leaves = db.session.execute(select(ActivityLeaf.log_unit, ActivityLeaf.seq, ActivityLeaf.entry_id,
                                       ActivityLeaf.leaf_hash).where(ActivityLeaf.log_unit.in_(logs))
                                .order_by(ActivityLeaf.log_unit, ActivityLeaf.seq)).all()
    nodes = db.session.execute(select(ActivityNode.log_unit, ActivityNode.level, ActivityNode.index,
                                      ActivityNode.hash).where(ActivityNode.log_unit.in_(logs))
                               .order_by(ActivityNode.log_unit, ActivityNode.level, ActivityNode.index)).all()
    queued = db.session.scalar(select(ActivityQueued.entry_id).where(ActivityQueued.log_unit.in_(logs)).limit(1))
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in leaves], \
        [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in nodes], queued


def _passes_log_by_log(batch):
    """What ``sequence_all`` did before: ``sequence_log`` for each queued log in turn, pass after pass."""
    passes = []
    while True:
        logs = sorted(set(db.session.scalars(select(ActivityQueued.log_unit))))
        results = [sequence_log(db.session, log, batch=batch, wait=False) for log in logs]
        if not logs:
            return passes
        passes.append([r for r in results if r.added])


def _passes_set_based(batch):
    passes = []
    while True:
        results = sequence_all(db.session, batch=batch, wait=False)
        if not results:
            return passes
        passes.append(results)


@pytest.mark.parametrize("batch", [3, 2000])
def test_a_set_based_pass_gives_the_same_numbers_leaves_and_nodes_as_log_by_log(batch):
    logs = _logs("Q" + uuid.uuid4().hex[:2])
    for log, count in zip(logs, HISTORY, strict=True):
        if count:
            fill_log(log, count)
            sequence_pending(db.session, log)
    for log, count in zip(logs, QUEUED, strict=True):
        fill_log(log, count, start=100)
    db.session.flush()

    savepoint = db.session.begin_nested()
    expected_passes = _passes_log_by_log(batch)
    expected = _state(logs)
    savepoint.rollback()
    assert _state(logs)[2] is not None  # the queue is back: the set-based pass starts where log by log did

    passes = _passes_set_based(batch)
    leaves, nodes, queued = _state(logs)
    assert queued is None
    assert (leaves, nodes) == expected[:2]
    assert passes == expected_passes
    assert len(passes) >= (max(QUEUED) + batch - 1) // batch

    # and it is the RFC 6962 tree of the entries in the order they were appended, numbered without a gap
    entries = {e.id: e for e in db.session.scalars(select(ActivityEntry).where(ActivityEntry.log_unit.in_(logs)))}
    for log, history, count in zip(logs, HISTORY, QUEUED, strict=True):
        mine = [leaf for leaf in leaves if leaf[0] == log]
        assert [leaf[1] for leaf in mine] == list(range(history + count))
        assert [leaf[2] for leaf in mine] == sorted(leaf[2] for leaf in mine)
        hashes = [merkle.leaf_hash(entry_leaf(entries[entry_id], seq)) for _, seq, entry_id, _ in mine]
        assert [leaf[3] for leaf in mine] == hashes
        tree = merkle.CompactRange()
        stored = set()
        for value in hashes:
            stored.update((log, level, index, h) for level, index, h in tree.append(value))
        assert {node for node in nodes if node[0] == log} == stored
        assert sequence_log(db.session, log).root_hash == tree.root()


def test_a_pass_with_nothing_queued_is_empty():
    log = "E" + uuid.uuid4().hex[:4]
    fill_log(log, 3)
    sequence_all(db.session)
    assert [r for r in sequence_all(db.session) if r.log_unit == log] == []
    assert sequence_log(db.session, log).size == 3


def test_on_sqlite_the_write_lock_serialises_so_every_pass_may_run():
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    assert lock_sequencer(db.session)


@pytest.mark.postgres_only
@pytest.mark.real_commits
def test_a_pass_skips_the_log_an_export_is_sequencing_and_one_pass_runs_at_a_time(app):
    held, free = "H" + uuid.uuid4().hex[:4], "F" + uuid.uuid4().hex[:4]
    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("advisory locks are PostgreSQL's")
        fill_log(held, 2)
        fill_log(free, 3)
        db.session.commit()
        with Session(db.engine) as exporter, Session(db.engine) as other_pass:
            assert _lock_log(exporter, held, wait=True)  # sequence_log's lock, as an export takes it
            assert lock_sequencer(db.session)
            assert not lock_sequencer(other_pass)  # a second worker's pass skips, in one statement
            other_pass.rollback()
            results = {r.log_unit: r for r in sequence_all(db.session, wait=False)}
            db.session.commit()
            assert held not in results and results[free].added == 3
            assert lock_sequencer(other_pass)  # the pass committed: the next may run
            other_pass.rollback()
            exporter.rollback()
        results = {r.log_unit: r for r in sequence_all(db.session, wait=False)}
        db.session.commit()
        assert results[held].added == 2 and free not in results


@pytest.mark.real_commits
def test_concurrent_set_based_passes_and_log_by_log_sequencers_number_every_log_without_gaps(app):
    from fieldapp.audit.background import SequencerLoop

    logs = ["S" + uuid.uuid4().hex[:4] for _ in range(6)]
    writers_done = threading.Event()
    per_writer = 15

    def writer(number: int) -> None:
        for item in range(per_writer):
            with app.app_context():
                activity_record(action="test.concurrent", object_type="thing", object_id=f"{number}-{item}",
                                log_unit=logs[(number + item) % len(logs)], caller=None)
                db.session.commit()

    def loop() -> None:  # a worker's background loop
        runner = SequencerLoop(app)
        runner.checkpoint_interval = 0
        while not writers_done.is_set():
            runner.run_once()
            time.sleep(0.002)

    def exporter() -> None:  # an export, sequencing one log log by log
        while not writers_done.is_set():
            with app.app_context():
                sequence_log(db.session, logs[0], batch=4)
                db.session.commit()
            time.sleep(0.003)

    with ThreadPoolExecutor(max_workers=8) as pool:
        background = [pool.submit(loop) for _ in range(2)] + [pool.submit(exporter)]
        for future in [pool.submit(writer, n) for n in range(5)]:
            future.result()
        writers_done.set()
        for future in background:
            future.result()
    with app.app_context():
        for log in logs:
            final = sequence_pending(db.session, log)
            db.session.commit()
            leaves = db.session.execute(select(ActivityLeaf.seq, ActivityLeaf.entry_id, ActivityLeaf.leaf_hash)
                                        .where(ActivityLeaf.log_unit == log).order_by(ActivityLeaf.seq)).all()
            entries = {e.id: e for e in db.session.scalars(select(ActivityEntry).where(ActivityEntry.log_unit == log))}
            assert [seq for seq, _, _ in leaves] == list(range(len(entries)))
            assert sorted(entry_id for _, entry_id, _ in leaves) == sorted(entries)
            tree = merkle.CompactRange()
            for seq, entry_id, value in leaves:
                assert bytes(value) == merkle.leaf_hash(entry_leaf(entries[entry_id], seq))
                tree.append(bytes(value))
            assert final.size == len(entries) and final.root_hash == tree.root()
        assert db.session.query(ActivityLeaf).filter(ActivityLeaf.log_unit.in_(logs)).count() == 5 * per_writer


def test_checkpoints_signed_together_are_those_signed_log_by_log():
    from fieldapp.audit.formats import checkpoint_text
    from fieldapp.audit.sequencer import checkpoint_latest, checkpoint_sign, checkpoint_sign_all
    from fieldapp.crypto.keys import verify_signature
    from fieldapp.models import SigningKey

    logs = _logs("K" + uuid.uuid4().hex[:2])
    for log, count, queued in zip(logs, HISTORY, QUEUED, strict=True):
        if count:
            fill_log(log, count)
            sequence_pending(db.session, log)
            if count % 2:
                checkpoint_sign(db.session, log)  # some already vouched for, some not
        if queued % 3:
            fill_log(log, queued, start=100)  # and some with entries queued since
    db.session.flush()

    savepoint = db.session.begin_nested()
    expected = {log: checkpoint_sign(db.session, log) for log in logs}
    expected = {log: None if c is None else (c.size, c.root_hash, c.id) for log, c in expected.items()}
    before = {log: (c.size if c else 0) for log, c in ((log, checkpoint_latest(db.session, log)) for log in logs)}
    savepoint.rollback()
    db.session.expunge_all()  # SQLite gives the rolled-back checkpoints' ids again

    signed = checkpoint_sign_all(db.session, reversed(logs))
    assert sorted(signed) == sorted(logs)
    assert {log: None if c is None else (c.size, bytes(c.root_hash)) for log, c in signed.items()} == \
        {log: None if e is None else e[:2] for log, e in expected.items()}
    keys = {row.key_id: row.public_key for row in db.session.query(SigningKey).filter_by(purpose="audit")}
    for log, checkpoint in signed.items():
        assert checkpoint_latest(db.session, log) is checkpoint
        if checkpoint is not None:
            assert verify_signature(keys[checkpoint.key_id], checkpoint.signature, checkpoint_text(
                log=log, size=checkpoint.size, root_hash=checkpoint.root_hash, time=checkpoint.signed_at))
        assert before[log] <= (checkpoint.size if checkpoint else 0)
    assert db.session.scalar(select(ActivityQueued.entry_id).where(ActivityQueued.log_unit.in_(logs))) is None
    again = checkpoint_sign_all(db.session, logs)  # nothing grew: nothing signed again
    assert {log: c.id if c else None for log, c in again.items()} == \
        {log: c.id if c else None for log, c in signed.items()}
