"""The tamper-evident activity log: sequencing, checkpoints, export, offline verification, proofs."""
import base64
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldapp.audit import merkle
from fieldapp.audit.formats import canonical, checkpoint_text
from fieldapp.audit.sequencer import checkpoint_sign, entry_leaf, sequence_log, sequence_pending
from fieldapp.audit.verify import BadHead, Head, Tampered, verify_export
from fieldapp.crypto.keys import key_id_of, public_raw, verify_signature
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, ActivityLeaf, ActivityNode, ActivityQueued, SigningKey
from fieldapp.selectors.activity import consistency_proof, inclusion_proof
from tests.audit_helpers import export_bytes, fill_log, pinned_keys
from tests.factories import HUNG_CHAU, act_as_owner

#: A log of this module's own: tests that commit for real (concurrency, faults) write check-ins into
#: the communes' logs, and those rows stay; counting them here would make the order of tests matter.
LOG = "L" + uuid.uuid4().hex[:4]


def _naive_root(hashes):
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return merkle.node_hash(_naive_root(hashes[:k]), _naive_root(hashes[k:]))


def test_sequencing_numbers_queued_entries_without_gaps_and_empties_the_queue():
    ids = fill_log(LOG, 11)
    result = sequence_log(db.session, LOG)
    assert (result.added, result.size) == (11, 11)
    leaves = db.session.query(ActivityLeaf).filter_by(log_unit=LOG).order_by(ActivityLeaf.seq).all()
    assert [leaf.seq for leaf in leaves] == list(range(11))
    assert [leaf.entry_id for leaf in leaves] == ids
    assert db.session.query(ActivityQueued).filter_by(log_unit=LOG).count() == 0
    entries = {e.id: e for e in db.session.query(ActivityEntry).filter(ActivityEntry.id.in_(ids))}
    hashes = [merkle.leaf_hash(entry_leaf(entries[leaf.entry_id], leaf.seq)) for leaf in leaves]
    assert [bytes(leaf.leaf_hash) for leaf in leaves] == hashes
    assert result.root_hash == _naive_root(hashes)


def test_sequencing_in_small_batches_gives_the_same_tree():
    fill_log(LOG, 9)
    while sequence_log(db.session, LOG, batch=2).added:
        pass
    fill_log(LOG, 4, start=9)
    result = sequence_pending(db.session, LOG)
    hashes = [bytes(h) for (h,) in db.session.query(ActivityLeaf.leaf_hash).filter_by(log_unit=LOG)
              .order_by(ActivityLeaf.seq)]
    assert result.size == 13 and result.root_hash == _naive_root(hashes)
    # complete subtrees stored once: 13 leaves → 6 nodes at level 1, 3 at level 2, 1 at level 3
    levels = [level for (level,) in db.session.query(ActivityNode.level).filter_by(log_unit=LOG)]
    assert sorted(levels) == [1] * 6 + [2] * 3 + [3]


def test_logs_of_different_communes_are_numbered_apart():
    fill_log(LOG, 3)
    fill_log("00004", 2)
    assert sequence_pending(db.session, LOG).size == 3
    assert sequence_pending(db.session, "00004").size == 2


def test_checkpoint_is_signed_and_not_repeated_while_the_log_stands_still():
    fill_log(LOG, 5)
    checkpoint = checkpoint_sign(db.session, LOG)
    key = db.session.get(SigningKey, checkpoint.key_id)
    message = checkpoint_text(log=LOG, size=5, root_hash=bytes(checkpoint.root_hash), time=checkpoint.signed_at)
    assert verify_signature(key.public_key, bytes(checkpoint.signature), message)
    assert checkpoint_sign(db.session, LOG).id == checkpoint.id
    fill_log(LOG, 1, start=5)
    assert checkpoint_sign(db.session, LOG).size == 6


def test_export_round_trip_verifies_with_the_pinned_key():
    fill_log(LOG, 20)
    checkpoint_sign(db.session, LOG)
    fill_log(LOG, 7, start=20)
    lines = export_bytes(LOG)
    report = verify_export(lines, pinned_keys=pinned_keys())
    assert (report.entries, report.checkpoints, report.keys_pinned) == (27, 2, True)
    assert report.summary().startswith(f"OK: log {LOG}: 27 entries, 2 signed checkpoints")
    header = json.loads(lines[0])
    assert header["format"] == "fieldapp-activity-log/1" and header["keys"][0]["algorithm"] == "ed25519"
    first_entry = lines[1].rstrip(b"\n")
    assert first_entry == canonical(json.loads(first_entry))  # each entry line is its own leaf data


# --- tampering, each detected ------------------------------------------------------------------------


@pytest.fixture
def export():
    fill_log(LOG, 10)
    checkpoint_sign(db.session, LOG)
    fill_log(LOG, 6, start=10)
    return export_bytes(LOG)  # header, 10 entries, checkpoint@10, 6 entries, checkpoint@16


def _entry_line(lines, seq):
    return next(i for i, line in enumerate(lines) if b'"type":"entry"' in line and json.loads(line)["seq"] == seq)


def _verify_fails(lines, **kwargs) -> Tampered:
    with pytest.raises(Tampered) as raised:
        verify_export(lines, **kwargs)
    return raised.value


def test_an_altered_entry_in_a_stretch_names_the_stretch_not_its_first_entry(export):
    """A checkpoint vouches for the entries since the one before as a whole: the message names that
    stretch, and no single entry (it once read as if the stretch's first entry was the altered one)."""
    index = _entry_line(export, 12)
    export[index] = export[index].replace(b'"n":12', b'"n":13')
    problem = _verify_fails(export)
    assert "one or more of entries seq 10..15 were altered" in str(problem)
    assert (problem.seq, problem.seqs, problem.line) == (None, (10, 15), len(export))  # the last checkpoint's line
    assert "entry seq 10 " not in str(problem)


def test_an_altered_entry_alone_in_its_stretch_is_named():
    fill_log(LOG, 10)
    checkpoint_sign(db.session, LOG)
    fill_log(LOG, 1, start=10)
    checkpoint_sign(db.session, LOG)
    fill_log(LOG, 3, start=11)
    export = export_bytes(LOG)
    index = _entry_line(export, 10)
    export[index] = export[index].replace(b'"n":10', b'"n":99')
    problem = _verify_fails(export)
    assert f"line {index + 2}: entry seq 10 was altered (its hash does not match the tree" in str(problem)
    assert problem.seq == 10


def test_a_changed_byte_in_the_first_stretch_names_that_stretch(export):
    index = _entry_line(export, 3)
    export[index] = export[index].replace("Đông".encode(), "Tây".encode())
    assert "entries seq 0..9 were altered" in str(_verify_fails(export))


def test_a_removed_entry_is_named(export):
    del export[_entry_line(export, 4)]
    problem = _verify_fails(export)
    assert problem.seq == 4 and "entry seq 4 is missing (the entry here is seq 5)" in str(problem)


def test_removed_entries_are_named(export):
    del export[_entry_line(export, 4):_entry_line(export, 7)]
    problem = _verify_fails(export)
    assert problem.seqs == (4, 6) and "entries seq 4..6 are missing" in str(problem)


def test_two_swapped_entries_are_named(export):
    a, b = _entry_line(export, 7), _entry_line(export, 8)
    export[a], export[b] = export[b], export[a]
    problem = _verify_fails(export)
    assert problem.seq == 7 and "removed" not in str(problem) and "missing" not in str(problem)
    assert f"line {a + 1}: entries seq 7 and 8 are out of order (swapped): seq 8 is at line {a + 1}, where seq 7 " \
           f"belongs, and seq 7 at line {b + 1}" == str(problem)


def test_two_swapped_entries_apart_are_named(export):
    a, b = _entry_line(export, 2), _entry_line(export, 6)
    export[a], export[b] = export[b], export[a]
    assert "entries seq 2 and 6 are out of order (swapped)" in str(_verify_fails(export))


def test_a_moved_entry_is_named(export):
    line = export.pop(_entry_line(export, 2))
    export.insert(_entry_line(export, 6) + 1, line)
    problem = _verify_fails(export)
    assert problem.seq == 2 and "entry seq 2 is out of place: it comes at line 8; here comes seq 3" in str(problem)


def test_a_repeated_entry_is_named(export):
    index = _entry_line(export, 5)
    export.insert(index + 1, export[index])
    problem = _verify_fails(export)
    assert f"entry seq 5 comes a second time (first at line {index + 1})" in str(problem)


def test_a_removed_and_renumbered_entry_breaks_the_signed_root(export):
    del export[_entry_line(export, 14)]
    for seq in (15,):
        index = _entry_line(export, seq)
        export[index] = export[index].replace(b'"seq":15', b'"seq":14')
    # renumbered: the sequence runs on, but the last checkpoint no longer sits after its size
    assert "the checkpoint for size 16 comes after only 15 entries: 1 entry before it is missing" in str(
        _verify_fails(export))


def test_a_forged_checkpoint_is_detected(export):
    index = len(export) - 1
    checkpoint = json.loads(export[index])
    checkpoint["root_hash"] = "00" * 32
    export[index] = canonical(checkpoint) + b"\n"
    assert "signature" in str(_verify_fails(export))


def test_a_checkpoint_signed_with_another_key_is_refused(export):
    pinned = pinned_keys()
    forger = Ed25519PrivateKey.generate()
    forged_id = key_id_of(public_raw(forger))
    header = json.loads(export[0])
    header["keys"] = [{"key_id": forged_id, "algorithm": "ed25519", "public_key": base64.b64encode(
        public_raw(forger)).decode(), "created_at": header["keys"][0]["created_at"], "retired_at": None}]
    export[0] = canonical(header) + b"\n"
    for index, line in enumerate(export):
        record = json.loads(line)
        if record["type"] == "checkpoint":
            record["key_id"] = forged_id
            text = checkpoint_text(log=LOG, size=record["size"], root_hash=bytes.fromhex(record["root_hash"]),
                                   time=record["time"])
            record["signature"] = base64.b64encode(forger.sign(text)).decode()
            export[index] = canonical(record) + b"\n"
    # Self-consistent with the forger's key, so only a pinned key reveals it.
    assert verify_export(export).keys_pinned is False
    assert "not the pinned key" in str(_verify_fails(export, pinned_keys=pinned))


def test_entries_after_the_last_checkpoint_are_not_vouched_for(export):
    extra = json.loads(export[_entry_line(export, 15)])
    extra["seq"] = 16
    export.append(canonical(extra) + b"\n")
    assert "entry seq 16 comes after the last signed checkpoint: nothing vouches for it" in str(_verify_fails(export))


@pytest.mark.parametrize("mangle", [lambda lines: lines[:1] + [b"{not json\n"] + lines[2:],
                                    lambda lines: lines[1:],
                                    lambda lines: []])
def test_malformed_exports_are_rejected_not_crashed(export, mangle):
    _verify_fails(mangle(export))


# --- against a head obtained separately ----------------------------------------------------------------


def _head(size=None) -> Head:
    """The log's head as GET /activity/head answers it (the latest checkpoint, or the one of ``size``)."""
    from fieldapp.models import ActivityCheckpoint
    from fieldapp.selectors.activity import checkpoint_out

    query = db.session.query(ActivityCheckpoint).filter_by(log_unit=LOG)
    checkpoint = (query.filter_by(size=size) if size else query).order_by(ActivityCheckpoint.id.desc()).first()
    public = db.session.get(SigningKey, checkpoint.key_id).public_key
    return Head.from_json({**checkpoint_out(checkpoint), "public_key": public})


def _cut_at_checkpoint(export, size):
    """The export as it would be if cut right after its checkpoint for ``size``: it verifies alone."""
    end = next(i for i, line in enumerate(export)
               if b'"type":"checkpoint"' in line and json.loads(line)["size"] == size)
    return export[:end + 1]


def test_an_export_cut_at_an_earlier_checkpoint_verifies_alone_but_not_against_the_head(export):
    cut = _cut_at_checkpoint(export, 10)
    assert verify_export(cut).entries == 10  # why an export alone proves nothing about its end
    problem = _verify_fails(cut, head=_head())
    assert "the export ends at 10 entries but the head says 16" in str(problem)
    assert "entries seq 10..15 are missing" in str(problem) and problem.seqs == (10, 15)


def test_an_export_verifies_against_the_head_it_holds_or_an_earlier_one(export):
    same = verify_export(export, head=_head())
    assert "consistent with the head of size 16" in same.summary() and "after them" not in same.summary()
    earlier = verify_export(export, head=_head(size=10), pinned_keys=pinned_keys())
    assert "consistent with the head of size 10" in earlier.summary() and "and 6 after them" in earlier.summary()


def test_an_export_rewritten_and_signed_with_another_key_fails_against_the_head(export):
    """A forger who rewrites the file and signs it with a key of their own makes it self-consistent;
    the head, signed with the commune's key, still tells."""
    head = _head(size=10)
    forger = Ed25519PrivateKey.generate()
    forged_id = key_id_of(public_raw(forger))
    header = json.loads(export[0])
    header["keys"] = [{"key_id": forged_id, "algorithm": "ed25519", "public_key": base64.b64encode(
        public_raw(forger)).decode(), "created_at": header["keys"][0]["created_at"], "retired_at": None}]
    export[0] = canonical(header) + b"\n"
    export[_entry_line(export, 3)] = export[_entry_line(export, 3)].replace(b'"n":3', b'"n":33')
    tree = merkle.CompactRange()
    for index, line in enumerate(export):
        record = json.loads(line)
        if record["type"] == "entry":
            tree.append(merkle.leaf_hash(line.rstrip(b"\n")))
        elif record["type"] == "checkpoint":
            record.update(key_id=forged_id, root_hash=tree.root().hex())
            text = checkpoint_text(log=LOG, size=record["size"], root_hash=tree.root(), time=record["time"])
            record["signature"] = base64.b64encode(forger.sign(text)).decode()
            export[index] = canonical(record) + b"\n"
    assert verify_export(export).entries == 16
    problem = _verify_fails(export, head=head)
    assert "the first 10 entries do not hash to the root the head signed for size 10" in str(problem)


def test_a_head_that_is_not_signed_by_its_key_is_refused(export):
    head = _head()
    forged = Head(**{**head.__dict__, "size": head.size + 1})
    with pytest.raises(BadHead, match="signature does not verify"):
        verify_export(export, head=forged)
    with pytest.raises(BadHead, match="not the pinned key"):
        verify_export(export, head=head, pinned_keys={"0" * 16: bytes(32)})


# --- protection in the database -----------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE activity_entries SET body = '{}'",
    "DELETE FROM activity_entries",
    "UPDATE activity_leaves SET seq = seq + 1",
    "DELETE FROM activity_nodes",
    "UPDATE activity_checkpoints SET size = 0",
    "DELETE FROM activity_checkpoints",
])
def test_triggers_refuse_updates_and_deletes(statement):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    fill_log(LOG, 4)
    checkpoint_sign(db.session, LOG)
    savepoint = db.session.begin_nested()
    act_as_owner()  # the runtime role may not even try (privileges); the triggers stop the owner
    with pytest.raises(DatabaseError) as raised:
        db.session.execute(text(statement))
    assert "append-only" in str(raised.value)
    savepoint.rollback()


def test_someone_with_database_access_who_bypasses_the_triggers_is_caught():
    """The owner can switch triggers off; the signed checkpoints still give the change away."""
    from sqlalchemy import text

    ids = fill_log(LOG, 8)
    checkpoint_sign(db.session, LOG)
    dialect = db.session.get_bind().dialect.name
    act_as_owner()
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE activity_entries DISABLE TRIGGER activity_entries_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER activity_entries_no_update"))
    db.session.execute(text("UPDATE activity_entries SET object_id = 'sửa' WHERE id = :id"), {"id": ids[5]})
    db.session.expire_all()
    problem = _verify_fails(list(__import__("fieldapp.selectors.activity", fromlist=["x"]).export_lines(
        db.session, LOG)))
    assert "altered" in str(problem)


@pytest.mark.postgres_only
def test_the_app_role_has_no_update_or_delete_privilege_on_the_log(db):
    import uuid

    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    from fieldapp.database import grant_app_role

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("roles and privileges are PostgreSQL's")
    fill_log(LOG, 2)
    role = f"fieldapp_app_{uuid.uuid4().hex[:8]}"
    act_as_owner()
    db.session.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    db.session.execute(text(f"GRANT {role} TO CURRENT_USER"))  # to SET ROLE to it (PostgreSQL 15)
    grant_app_role(db.session.connection(), role)
    db.session.execute(text(f"SET LOCAL ROLE {role}"))
    assert db.session.execute(text("SELECT count(*) FROM activity_entries")).scalar() >= 2
    fill_log(LOG, 1, start=2)  # appending is allowed
    for statement in ("UPDATE activity_entries SET body = '{}'", "DELETE FROM activity_leaves",
                      "TRUNCATE activity_checkpoints"):
        savepoint = db.session.begin_nested()
        with pytest.raises(ProgrammingError) as raised:
            db.session.execute(text(statement))
        assert "permission denied" in str(raised.value)
        savepoint.rollback()
    act_as_owner()  # until the test's transaction is rolled back


# --- proofs ------------------------------------------------------------------------------------------


def test_inclusion_proofs_verify_against_the_signed_root():
    fill_log(LOG, 23)
    checkpoint = checkpoint_sign(db.session, LOG)
    for seq in (0, 7, 16, 22):
        proof = inclusion_proof(db.session, LOG, seq=seq, size=23)
        assert proof["root_hash"] == bytes(checkpoint.root_hash).hex()
        assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), seq, 23,
                                       [bytes.fromhex(h) for h in proof["proof"]], bytes(checkpoint.root_hash))
        assert not merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), (seq + 1) % 23, 23,
                                           [bytes.fromhex(h) for h in proof["proof"]], bytes(checkpoint.root_hash))


def test_consistency_proof_shows_a_later_checkpoint_extends_an_earlier_one():
    fill_log(LOG, 6)
    first = checkpoint_sign(db.session, LOG)
    fill_log(LOG, 11, start=6)
    second = checkpoint_sign(db.session, LOG)
    proof = consistency_proof(db.session, LOG, first=first.size, second=second.size)
    hashes = [bytes.fromhex(h) for h in proof["proof"]]
    assert merkle.verify_consistency(first.size, second.size, bytes(first.root_hash), bytes(second.root_hash),
                                     hashes)
    assert not merkle.verify_consistency(first.size, second.size, bytes(second.root_hash),
                                         bytes(first.root_hash), hashes)


def test_erasing_a_persons_data_leaves_the_log_verifiable():
    """Only ids are logged, so pseudonymising a person's row changes no entry line."""
    from fieldapp.models import User
    from fieldapp.services.users import user_create

    user = user_create(phone="0912345678", full_name="Lê Thị Xoá", role="volunteer", unit_code=HUNG_CHAU,
                       password="mat-khau-8", granter=None)
    before = export_bytes(HUNG_CHAU)
    assert not any("Xoá".encode() in line or b"912345678" in line for line in before)
    row = db.session.get(User, user.id)
    row.full_name, row.name_folded, row.phone = "[đã xoá]", "da xoa", "+84000000000"
    db.session.flush()
    after = export_bytes(HUNG_CHAU)
    assert [line for line in after[1:] if b'"entry"' in line] == [line for line in before[1:] if b'"entry"' in line]
    assert verify_export(after, pinned_keys=pinned_keys()).entries == verify_export(before).entries
