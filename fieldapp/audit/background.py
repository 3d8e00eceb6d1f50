"""Runs the sequencer, and signs checkpoints on a schedule, beside the API workers.

Every worker runs one loop, but only one pass runs at a time on the server. Why: check-ins spread over a
province leave one or two entries queued in each of a hundred logs every second; when the five workers'
loops all sequenced them, each pass tried every log's lock, the losers for nothing, and the sequencing
cost more CPU than the check-ins themselves (bench/RESULTS.md, issue 19 item 3). So on PostgreSQL a pass
first takes a transaction-level try lock on one fixed key (``lock_sequencer``, ``pg_try_advisory_xact_lock``):
a worker that does not get it skips its pass, at the cost of that one statement, and the next worker's
tick finds the queue where the last pass left it. The pass itself (``sequence_all``) is set-based: a
fixed number of statements for all the logs queued. Whoever sequences outside the loop (an export or a
checkpoint, ``sequence_log``/``sequence_pending``) takes only its log's lock, as the pass does for each
log, so the two exclude each other log by log. When its checkpoints are due, a loop signs the logs it
grew together (``checkpoint_sign_all``: a fixed number of statements, not ~8 a log in every worker at
once). On SQLite the write lock takes turns.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlalchemy.orm import Session

from fieldapp.audit.sequencer import checkpoint_sign_all, lock_sequencer, sequence_all
from fieldapp.extensions import db

log = logging.getLogger(__name__)


class SequencerLoop:
    def __init__(self, app: Flask):
        self.app = app
        self.interval = app.config["AUDIT_SEQUENCE_INTERVAL"]
        self.checkpoint_interval = app.config["AUDIT_CHECKPOINT_INTERVAL"]
        self.stop = threading.Event()
        self._grown: set[str] = set()
        self._last_checkpoint = time.monotonic()

    def run_once(self) -> int:
        """One pass: a batch for every log with queued entries, unless another worker's pass is running;
        checkpoints of the logs this loop grew when they are due."""
        with self.app.app_context(), Session(db.engine) as session:
            # Another worker's pass running takes the queue; this one only signs what it grew, when due.
            results = sequence_all(session, wait=False) if lock_sequencer(session) else []
            session.commit()
            self._grown.update(r.log_unit for r in results if r.added)
            due = self.checkpoint_interval > 0 and time.monotonic() - self._last_checkpoint >= self.checkpoint_interval
            if due and self._grown:
                checkpoint_sign_all(session, self._grown)
                session.commit()
                self._grown.clear()
                self._last_checkpoint = time.monotonic()
            return sum(r.added for r in results)

    def run_forever(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # keep the thread alive across a database restart
                log.exception("activity sequencer pass failed; retrying")


#: The sequencers started in this process, with their threads.
_STARTED: list[tuple[SequencerLoop, threading.Thread]] = []


def start_background_sequencer(app: Flask) -> SequencerLoop | None:
    """Start ``app``'s sequencer thread in this process, unless one is running already (or
    ``AUDIT_SEQUENCE_INTERVAL`` is 0)."""
    if app.config["AUDIT_SEQUENCE_INTERVAL"] <= 0:
        return None
    for loop, thread in _STARTED:
        if loop.app is app and thread.is_alive():  # a thread of the parent is not alive after a fork
            return loop
    loop = SequencerLoop(app)
    thread = threading.Thread(target=loop.run_forever, name="activity-sequencer", daemon=True)
    thread.start()
    _STARTED.append((loop, thread))
    return loop


def stop_background_sequencers(timeout: float = 10.0) -> None:
    """Stop this process's sequencer threads and wait for them (a pass in progress ends first).

    For gunicorn's master before it forks the workers: a thread does not cross a fork, and one
    that held a lock (the pool's, logging's) at that moment would leave it held in the worker."""
    while _STARTED:
        loop, thread = _STARTED.pop()
        loop.stop.set()
        thread.join(timeout)
