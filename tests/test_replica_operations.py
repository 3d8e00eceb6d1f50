"""Read operations without a replica, on both databases: the guard that refuses a write inside one,
the standby's verdict, the settings refused, the standby's durability rule, the store of writes.
The real standby is tests/test_replica.py's."""
import pytest
from sqlalchemy import insert, select

from fieldapp.config import ConfigError
from fieldapp.database import postgresql_durability_problems
from fieldapp.extensions import db
from fieldapp.models import Village
from fieldapp.replicas.operations import ReplicaWrite, read_operation, replica_read
from fieldapp.replicas.setup import replica_binds
from fieldapp.replicas.standby import UNKNOWN, StandbyState, lsn_int, standby_refusal
from fieldapp.replicas.writes import MemoryWrites
from tests.factories import HUNG_CHAU, make_village


def test_a_write_inside_a_read_operation_is_refused_before_it_is_sent(app):
    village = make_village()

    @replica_read
    def reads_then_writes():
        db.session.scalar(select(Village.id).where(Village.id == village.id))
        db.session.execute(insert(Village.__table__).values(commune_code=HUNG_CHAU, name="Xóm lạ", kind="xóm"))

    with pytest.raises(ReplicaWrite, match="inside a read operation"):
        reads_then_writes()
    db.session.rollback()

    def orm_write():
        db.session.add(Village(commune_code=HUNG_CHAU, name="Xóm khác", kind="xóm"))
        db.session.flush()

    with pytest.raises(ReplicaWrite):
        read_operation(orm_write)
    db.session.rollback()
    # Outside one, a write goes through: the guard is the operation's, not the engine's.
    assert make_village(name="Xóm mới").id
    assert read_operation(lambda: db.session.scalar(select(Village.id).where(Village.id == village.id))) == village.id


def _state(**overrides):
    values = {"in_recovery": True, "receiving": True, "replayed": lsn_int("0/3000060"), "lag": 0.0, **overrides}
    return StandbyState(**values)


@pytest.mark.parametrize(("state", "needed", "refused"), [
    (_state(), None, None),
    (_state(), lsn_int("0/3000060"), None),  # replayed exactly up to the caller's write: it has it
    (_state(), lsn_int("0/3000061"), "caller's last write"),
    (_state(), UNKNOWN, "not known"),
    (_state(in_recovery=False, replayed=None), None, "not a standby"),
    (_state(receiving=False), None, "WAL receiver"),
    (_state(lag=10.5), None, "lags 10.5 s"),
    (_state(lag=None), None, "unknown time"),
])
def test_the_standby_answers_only_when_it_is_one_streaming_caught_up_and_not_lagging(state, needed, refused):
    reason = standby_refusal(state, needed=needed, max_lag=10)
    assert (reason is None) if refused is None else (refused in reason)


def test_an_lsn_is_its_two_32_bit_halves():
    assert lsn_int("0/0") == 0
    assert lsn_int("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_int("1/0") > lsn_int("0/FFFFFFFF")


def test_a_replica_is_refused_without_postgresql_or_a_shared_store_in_production():
    base = {"SQLALCHEMY_DATABASE_URI": "postgresql://a@h/d", "RATELIMIT_STORAGE_URI": "memory://",
            "REPLICA_CONNECT_TIMEOUT_SECONDS": 2}
    assert replica_binds(base) == {}
    with pytest.raises(ConfigError, match="needs PostgreSQL: DATABASE_URL"):
        replica_binds({**base, "SQLALCHEMY_DATABASE_URI": "sqlite:///x", "REPLICA_DATABASE_URL": "postgresql://a@r/d"})
    with pytest.raises(ConfigError, match="needs PostgreSQL: REPLICA_DATABASE_URL"):
        replica_binds({**base, "REPLICA_DATABASE_URL": "sqlite:///y"})
    with pytest.raises(ConfigError, match="redis://"):
        replica_binds({**base, "REPLICA_DATABASE_URL": "postgresql://a@r/d", "FIELDAPP_ENV": "production"})
    bind = replica_binds({**base, "REPLICA_DATABASE_URL": "postgresql://a@r/d", "FIELDAPP_ENV": "production",
                          "REPLICA_WRITES_URI": "redis://127.0.0.1:6379"})["replica"]
    assert bind["url"] == "postgresql://a@r/d" and bind["pool_pre_ping"]
    assert bind["connect_args"] == {"connect_timeout": 2}


def test_a_standby_is_held_to_fsync_but_not_to_its_synchronous_commit():
    rows = [("fsync", "on", "default", "d", "u"), ("synchronous_commit", "off", "configuration file", "d", "u")]
    assert postgresql_durability_problems(rows, standby=True) == []
    assert postgresql_durability_problems(rows) != []  # the primary is refused
    rows[0] = ("fsync", "off", "configuration file", "d", "u")
    assert [p for p in postgresql_durability_problems(rows, standby=True) if "fsync" in p]


def test_a_callers_kept_write_only_moves_forward():
    writes = MemoryWrites()
    writes.raise_to("a", 200, 60)
    writes.raise_to("a", 100, 60)  # a slower worker's older position arrives last
    assert writes.get("a") == 200 and writes.get("b") is None
    writes.raise_to("c", 5, 0)
    assert writes.get("c") is None  # kept no longer than its time


def test_in_redis_a_callers_kept_write_only_moves_forward_whichever_worker_writes_last(redis_url):
    """Production's store (every worker's positions): the same rule, kept by one script in Redis."""
    import uuid

    from fieldapp.replicas.writes import RedisWrites

    url = redis_url
    first, second = RedisWrites(url), RedisWrites(url)  # two workers
    key = f"fieldapp:test:writes:{uuid.uuid4().hex}"
    try:
        first.raise_to(key, lsn_int("16/B374D848"), 60)
        second.raise_to(key, lsn_int("16/B3000000"), 60)  # older, arriving last
        assert first.get(key) == second.get(key) == lsn_int("16/B374D848")
        second.raise_to(key, lsn_int("17/0"), 60)
        assert first.get(key) == lsn_int("17/0")
    finally:
        first._client.delete(key)
