"""Progress of long commands, on stderr so that stdout stays clean for scripts.

On a terminal it is tqdm's bar (a well-kept library: rate, time left, a line that redraws itself);
in a log (stderr not a terminal) a plain line now and then and one at the end, since a bar's
redrawing would fill the log with carriage returns.
"""
from __future__ import annotations

import sys
import time

#: In a log, a line at most this often.
LOG_INTERVAL_SECONDS = 10.0


class Progress:
    """``progress(done, total)``: ``total`` may be ``None`` while it is not known (rows so far)."""

    def __init__(self, label: str, *, stream=None, log_interval: float = LOG_INTERVAL_SECONDS):
        self.label = label
        self.stream = stream or sys.stderr
        self.log_interval = log_interval
        self._bar = None  # tqdm's, imported when a terminal first shows one
        self._logged_at: float | None = None  # the first call always writes a line

    def __call__(self, done: int, total: int | None) -> None:
        if self.stream.isatty():
            self._draw(done, total)
        else:
            self._log(done, total)

    def _draw(self, done: int, total: int | None) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.label, file=self.stream, unit=" rows", leave=True)
        if total is not None and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)
        if total is not None and done >= total:
            self._bar.close()

    def _log(self, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        now = time.monotonic()
        if not finished and self._logged_at is not None and now - self._logged_at < self.log_interval:
            return
        self._logged_at = now
        amount = f"{done}/{total} ({100 * done // total if total else 100}%)" if total is not None else f"{done}"
        self.stream.write(f"{self.label}: {amount}\n")
        self.stream.flush()
