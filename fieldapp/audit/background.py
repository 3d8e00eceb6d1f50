"""Runs the sequencer, and signs checkpoints on a schedule, beside the API workers.

Every worker may run one; on PostgreSQL a worker skips a log another worker is sequencing
(``pg_try_advisory_xact_lock``), on SQLite the write lock takes turns.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlalchemy.orm import Session

from fieldapp.audit.sequencer import checkpoint_sign, sequence_all
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
        """One pass: a batch for every log with queued entries; checkpoints when they are due."""
        with self.app.app_context(), Session(db.engine) as session:
            results = sequence_all(session, wait=False)
            session.commit()
            self._grown.update(r.log_unit for r in results if r.added)
            due = self.checkpoint_interval > 0 and time.monotonic() - self._last_checkpoint >= self.checkpoint_interval
            if due and self._grown:
                for log_unit in sorted(self._grown):
                    checkpoint_sign(session, log_unit)
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


def start_background_sequencer(app: Flask) -> SequencerLoop | None:
    if app.config["AUDIT_SEQUENCE_INTERVAL"] <= 0:
        return None
    loop = SequencerLoop(app)
    threading.Thread(target=loop.run_forever, name="activity-sequencer", daemon=True).start()
    return loop
