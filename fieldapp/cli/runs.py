"""An id for each run of a command, recorded as the request id of the activity entries it writes."""
from __future__ import annotations

import uuid


def cli_run_id() -> str:
    """An id for this command run, recorded as the request id of its activity entries."""
    from flask import g

    if "cli_run_id" not in g:
        g.cli_run_id = "cli-" + uuid.uuid4().hex[:16]
    return g.cli_run_id
