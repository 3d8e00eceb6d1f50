"""A real PostgreSQL standby for the replica tests: a base backup of the test server (``pg_basebackup
-R``), started on a free port, streaming from it; paused, resumed, stopped and started again at will.

PostgreSQL's own machinery only: the standby is made, fed and measured by the server's tools and
functions. It runs as the ``postgres`` OS user when the tests run as root (the server refuses root),
else as the tests' user. Its socket is in its own private directory, where ``postgres`` is trusted (the
tests pause its replay, which needs a superuser); over TCP its clients give a password, as the primary's.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.servers import free_port

#: Settings a hot standby must hold at least as high as its primary's, or it refuses to start.
_AT_LEAST_THE_PRIMARYS = ("max_connections", "max_worker_processes", "max_wal_senders",
                          "max_prepared_transactions", "max_locks_per_transaction")


SLOT_PREFIX = "fieldapp_test_standby_"


class StandbyUnavailable(RuntimeError):
    """This machine cannot start a standby of the test server (no tools, no replication allowed)."""


def _bin_dir(version_major: int) -> Path | None:
    debian = Path(f"/usr/lib/postgresql/{version_major}/bin")
    if (debian / "pg_ctl").exists():
        return debian
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class Standby:
    def __init__(self, primary_url: str):
        self.primary_url = sa.make_url(primary_url)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fieldapp-standby-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgresql.log"
        self._as_postgres = os.geteuid() == 0
        #: Named after this process: a slot whose process is gone is an orphan (a killed run), dropped by
        #: the next standby made here, so that it does not hold WAL on the server for ever.
        self.slot = f"{SLOT_PREFIX}{os.getpid()}_{self.port}"

    def _run(self, *command: str, timeout: float = 120) -> str:
        if self._as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise StandbyUnavailable(f"{' '.join(command)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def url(self) -> str:
        """The test database on the standby (the same login and password as on the primary)."""
        return self.primary_url.set(port=self.port).render_as_string(hide_password=False)

    def start(self) -> Standby:
        primary = sa.create_engine(self.primary_url)
        with primary.connect() as conn:
            settings = {name: conn.execute(sa.text(f"SHOW {name}")).scalar_one() for name in _AT_LEAST_THE_PRIMARYS}
            major = conn.execute(sa.text("SELECT current_setting('server_version_num')::int / 10000")).scalar_one()
        primary.dispose()
        bin_dir = _bin_dir(major)
        if bin_dir is None:
            raise StandbyUnavailable("pg_basebackup and pg_ctl are not installed")
        self.bin = bin_dir
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        url = self.primary_url
        conninfo = (f"host={url.host} port={url.port or 5432} user={url.username} password={url.password} "
                    f"application_name=fieldapp_test_standby")
        # -R: standby.signal and primary_conninfo written for us; -X stream: the WAL of the backup's own
        # time comes with it; -c fast: no waiting for the next checkpoint. One backup at a time on this
        # machine (xdist workers each start a standby): another's fast checkpoint can remove the WAL
        # segment this one's stream is about to ask for ("requested WAL segment has already been removed").
        # -C -S: a replication slot of its own, made before the backup starts: the primary keeps every WAL
        # segment the standby has not received, while it is stopped too (a test stops it), whatever the
        # other tests write meanwhile (a database made from the template is tens of MB of WAL).
        with open(Path(tempfile.gettempdir()) / "fieldapp-basebackup.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._drop_orphaned_slots()
            self._run(str(bin_dir / "pg_basebackup"), "-d", conninfo, "-D", str(self.data), "-R", "-X", "stream",
                      "-c", "fast", "-C", "-S", self.slot)
        conf = {"port": self.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{self.dir}'",
                "hot_standby": "on", "shared_buffers": "'32MB'", **settings,
                # Debian keeps these outside the data directory: the standby has its own, below.
                "hba_file": f"'{self.data / 'pg_hba.conf'}'", "ident_file": f"'{self.data / 'pg_ident.conf'}'"}
        self._write("postgresql.conf", "".join(f"{k} = {v}\n" for k, v in conf.items()))
        self._write("pg_hba.conf", "local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        self._write("pg_ident.conf", "")
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log))
        self.wait_streaming()
        return self

    def _primary(self, statement: str, **params):
        engine = sa.create_engine(self.primary_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(statement), params).all()
        finally:
            engine.dispose()

    def _drop_orphaned_slots(self) -> None:
        for (name,) in self._primary("SELECT slot_name FROM pg_replication_slots WHERE NOT active "
                                     "AND slot_name LIKE :prefix", prefix=SLOT_PREFIX + "%"):
            pid = int(name[len(SLOT_PREFIX):].split("_")[0])
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                self._primary("SELECT pg_drop_replication_slot(:name)", name=name)
            except PermissionError:  # another user's live process
                pass

    def _write(self, name: str, content: str) -> None:
        path = self.data / name
        path.write_text(content)
        if self._as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), *args)

    def superuser(self, statement: str):
        """One statement as ``postgres`` on the standby (its private socket)."""
        engine = sa.create_engine(f"postgresql://postgres@/postgres?host={self.dir}&port={self.port}",
                                  isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(statement)).scalar()
        finally:
            engine.dispose()

    def wait_streaming(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.superuser("SELECT status FROM pg_stat_wal_receiver") == "streaming":
                    return
            except sa.exc.OperationalError:
                pass
            time.sleep(0.1)
        raise StandbyUnavailable(f"the standby does not stream after {timeout} s: {self.log_tail()}")

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary had written when called."""
        primary = sa.create_engine(self.primary_url, poolclass=sa.pool.NullPool)
        with primary.connect() as conn:
            target = conn.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        primary.dispose()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.superuser(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
            time.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target} within {timeout} s")

    def pause(self) -> None:
        self.superuser("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.superuser("SELECT pg_get_wal_replay_pause_state()") != "paused" and time.monotonic() < deadline:
            time.sleep(0.02)

    def resume(self) -> None:
        self.superuser("SELECT pg_wal_replay_resume()")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self) -> None:
        if self.running():
            self._pg_ctl("stop", "-m", "fast", "-w")

    def restart(self) -> None:
        if not self.running():
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log))
        self.wait_streaming()

    def log_tail(self) -> str:
        try:
            return self.log.read_text()[-2000:]
        except OSError:
            return "(no log)"

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self._primary("SELECT 1 FROM pg_replication_slots WHERE slot_name = :name", name=self.slot):
                self._primary("SELECT pg_drop_replication_slot(:name)", name=self.slot)
