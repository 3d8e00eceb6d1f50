"""Reads for reports, indicators and exports on a PostgreSQL streaming replica (issue 19, item 5).

With ``REPLICA_DATABASE_URL`` set (PostgreSQL only), an operation marked as a read
(:func:`~fieldapp.replicas.operations.replica_read`, :func:`~fieldapp.replicas.operations.read_stream`)
runs, all its statements, on one side: the standby when it is up, streaming, not lagging beyond
``REPLICA_MAX_LAG_SECONDS`` and has replayed the caller's last write (:mod:`fieldapp.replicas.writes`),
else the primary. Nothing here copies data: PostgreSQL's streaming replication does, and its own
functions (``pg_last_wal_replay_lsn``, ``pg_current_wal_lsn``) say how far it got. docs/deploy.md,
"A streaming replica", is the operator's side.

- :mod:`~fieldapp.replicas.standby`: what the standby says of itself, and whether it may answer;
- :mod:`~fieldapp.replicas.writes`: read-your-writes, the primary's WAL position after a caller's write;
- :mod:`~fieldapp.replicas.operations`: the operation itself, and the guard that refuses a write in it;
- :mod:`~fieldapp.replicas.setup`: the settings, the replica's engine and its hooks.

The session that sends an operation's statements to its side is ``db.session``'s own class
(:class:`fieldapp.extensions.RoutingSession`).
"""
