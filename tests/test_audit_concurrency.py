"""Concurrent appends and sequencers, committing for real: no number given twice, none skipped."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from fieldapp.audit import merkle
from fieldapp.audit.sequencer import entry_leaf, sequence_log, sequence_pending
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, ActivityLeaf, ActivityQueued
from fieldapp.services.activity import activity_record

WRITERS = 8
PER_WRITER = 25


@pytest.mark.real_commits
def test_concurrent_appends_with_concurrent_sequencers(app):
    log_unit = "C" + uuid.uuid4().hex[:4]  # a log of its own: these rows are committed for real
    appended: list[int] = []
    lock = threading.Lock()
    writers_done = threading.Event()

    def writer(number: int) -> None:
        for item in range(PER_WRITER):
            with app.app_context():
                entry = activity_record(action="test.concurrent", object_type="thing",
                                        object_id=f"{number}-{item}", log_unit=log_unit, caller=None)
                db.session.commit()
                with lock:
                    appended.append(entry.id)

    def sequencer() -> int:
        passes = 0
        while not writers_done.is_set():
            with app.app_context():
                sequence_log(db.session, log_unit, batch=7)
                db.session.commit()
                passes += 1
            time.sleep(0.002)  # a real sequencer pauses between passes; spinning only starves writers
        return passes

    with ThreadPoolExecutor(max_workers=WRITERS + 2) as pool:
        sequencers = [pool.submit(sequencer) for _ in range(2)]
        for future in [pool.submit(writer, n) for n in range(WRITERS)]:
            future.result()
        writers_done.set()
        passes = sum(s.result() for s in sequencers)
    with app.app_context():
        final = sequence_pending(db.session, log_unit)
        db.session.commit()
        leaves = db.session.execute(select(ActivityLeaf.seq, ActivityLeaf.entry_id, ActivityLeaf.leaf_hash)
                                    .where(ActivityLeaf.log_unit == log_unit).order_by(ActivityLeaf.seq)).all()
        entries = {e.id: e for e in db.session.scalars(select(ActivityEntry).where(ActivityEntry.log_unit == log_unit))}
        queued = db.session.query(ActivityQueued).filter_by(log_unit=log_unit).count()
        expected = WRITERS * PER_WRITER
        print(f"\nconcurrent appends: {expected} tried by {WRITERS} writers, {len(appended)} acknowledged, "
              f"{len(leaves)} sequenced in {passes} concurrent sequencer passes")
        assert len(appended) == expected and queued == 0
        assert [seq for seq, _, _ in leaves] == list(range(expected))  # no duplicate, no gap
        assert sorted(entry_id for _, entry_id, _ in leaves) == sorted(appended)  # each exactly once
        hashes = [merkle.leaf_hash(entry_leaf(entries[entry_id], seq)) for seq, entry_id, _ in leaves]
        assert [bytes(h) for _, _, h in leaves] == hashes
        tree = merkle.CompactRange()
        for value in hashes:
            tree.append(value)
        assert final.size == expected and final.root_hash == tree.root()


@pytest.mark.real_commits
def test_background_sequencer_numbers_committed_entries_and_signs_when_due(app):
    from fieldapp.audit.background import SequencerLoop
    from fieldapp.audit.sequencer import checkpoint_latest

    log_unit = "B" + uuid.uuid4().hex[:4]
    with app.app_context():
        for number in range(5):
            activity_record(action="test.background", object_type="thing", object_id=number, log_unit=log_unit,
                            caller=None)
        db.session.commit()
        loop = SequencerLoop(app)
        loop.checkpoint_interval = 3600  # not yet due: numbers only
        assert loop.run_once() >= 5
        assert db.session.query(ActivityLeaf).filter_by(log_unit=log_unit).count() == 5
        assert checkpoint_latest(db.session, log_unit) is None
        db.session.rollback()  # end the read: on SQLite every transaction holds the write lock
        loop.checkpoint_interval = 0.0001  # due now
        time.sleep(0.001)
        loop.run_once()
        db.session.expire_all()
        assert checkpoint_latest(db.session, log_unit).size == 5
