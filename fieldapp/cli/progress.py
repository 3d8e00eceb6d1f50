"""Progress lines for long commands, on stderr so that stdout stays clean for scripts."""
from __future__ import annotations

import sys
import time


class Progress:
    """Prints ``label: done/total (pct%)`` at most every ``interval`` seconds, and at the end."""

    def __init__(self, label: str, *, interval: float = 0.5, stream=None):
        self.label = label
        self.interval = interval
        self.stream = stream or sys.stderr
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        percent = 100 * done // total if total else 100
        # On a terminal the line updates in place; in a log file each report is a line of its own.
        end = "\n" if done >= total or not self.stream.isatty() else "\r"
        self.stream.write(f"{self.label}: {done}/{total} ({percent}%){end}")
        self.stream.flush()
