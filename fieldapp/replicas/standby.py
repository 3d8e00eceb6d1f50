"""What a standby says of itself, and whether it may answer a read operation.

All of it from PostgreSQL's own functions, in one statement, the operation's first on the standby:
``pg_is_in_recovery()`` (a standby, not a primary: promoted, or a wrong URL), ``pg_stat_wal_receiver``
(its WAL receiver runs: it is connected to the primary), ``pg_last_wal_replay_lsn()`` (how far it
has replayed: compared with the caller's last write, read-your-writes) and the lag.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

#: The lag: 0 when everything received is replayed (the primary has sent nothing newer, or it is
#: replayed already), else the age of the last transaction replayed; null when the standby has not
#: replayed any since it started and is behind (an unknown lag, refused). An ordinary role sees
#: pg_stat_wal_receiver's pid only (its other columns need pg_read_all_stats): that is enough to know
#: a receiver runs.
STANDBY_STATE = text("""
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
""")


@dataclass(frozen=True)
class StandbyState:
    in_recovery: bool
    receiving: bool
    #: pg_last_wal_replay_lsn() as a number (:func:`lsn_int`); None on a primary.
    replayed: int | None
    #: seconds, see :data:`STANDBY_STATE`; None when unknown.
    lag: float | None

    @classmethod
    def of(cls, row) -> StandbyState:
        in_recovery, receiving, replayed, lag = row
        return cls(bool(in_recovery), bool(receiving), lsn_int(replayed) if replayed else None,
                   None if lag is None else float(lag))


#: A caller whose last write cannot be known (its store did not answer): only the primary has it for sure.
UNKNOWN = -1


def lsn_int(lsn: str) -> int:
    """A ``pg_lsn`` (``16/B374D848``) as the number it stands for: its two halves are 32-bit hex."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def standby_refusal(state: StandbyState, *, needed: int | None, max_lag: float) -> str | None:
    """Why this standby must not answer an operation that must see WAL up to ``needed`` (the caller's
    last write, :data:`UNKNOWN`, or None), or None when it may."""
    if not state.in_recovery:
        # A promoted standby, or a URL naming a primary: a separate database now, whose answers
        # would drift from the primary's without anyone seeing it.
        return "it is not a standby (pg_is_in_recovery() is false)"
    if not state.receiving:
        return "its WAL receiver is not running (not connected to the primary): how stale it is cannot be told"
    if needed == UNKNOWN:
        return "the caller's last write is not known (its store did not answer)"
    if needed is not None and (state.replayed is None or state.replayed < needed):
        return "it has not replayed the caller's last write yet"
    if state.lag is None or state.lag > max_lag:
        return f"it lags {'an unknown time' if state.lag is None else f'{state.lag:.1f} s'} (at most {max_lag:g} s)"
    return None
