"""The offline verifier of an activity-log export (``fieldapp audit verify FILE``).

It needs nothing but the file (and, to rule out a forged key, the commune's public key): it
recomputes every leaf hash and the Merkle root at every checkpoint, checks every signature, and
checks that sequence numbers run 0, 1, 2, … with nothing removed, inserted or reordered. The format
is in mobile_contract/audit-log.md; this module is the reference reader of it.

An export alone cannot show that entries were cut off its end: an export cut right after an earlier
checkpoint verifies. Given a head (a signed checkpoint obtained separately, ``GET /activity/head``),
it also proves the export holds every entry that head vouches for.

Its messages say what was found and no more: a checkpoint vouches for the stretch of entries since
the one before as a whole, so an altered entry is named when it is alone in its stretch, and
otherwise the stretch is.
"""
from __future__ import annotations

import base64
import binascii
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from fieldapp.audit.formats import FORMAT, checkpoint_text, key_id_of
from fieldapp.audit.merkle import EMPTY_ROOT, CompactRange, leaf_hash

try:  # orjson parses several times faster; the standard library gives the same objects
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    from json import loads as _loads


class Tampered(Exception):
    """The first thing found wrong, with where it is: ``seq`` is the entry it concerns, when one is
    known; ``seqs`` the first and last of a stretch when only the stretch is."""

    def __init__(self, line: int, message: str, seq: int | None = None, seqs: tuple[int, int] | None = None):
        super().__init__(message)
        self.line = line
        self.seq = seq
        self.seqs = seqs

    def __str__(self) -> str:
        return f"line {self.line}: {self.args[0]}"


class BadHead(ValueError):
    """The head given to compare the export with is not a valid signed checkpoint."""


@dataclass(frozen=True)
class Head:
    """A signed checkpoint as ``GET /activity/head`` answers it."""

    log: str
    size: int
    root: bytes
    time: str
    key_id: str
    signature: bytes
    public_key: bytes | None

    @classmethod
    def from_json(cls, obj) -> Head:
        """Read and check the shape of a head; :class:`BadHead` when it is not one."""
        if not isinstance(obj, dict):
            raise BadHead("a head is a JSON object, as GET /activity/head answers it")
        try:
            size, root = obj["size"], bytes.fromhex(obj["root_hash"])
            head = cls(log=str(obj["log"]), size=size, root=root, time=str(obj["time"]), key_id=str(obj["key_id"]),
                       signature=base64.b64decode(obj["signature"], validate=True),
                       public_key=base64.b64decode(obj["public_key"], validate=True) if obj.get("public_key")
                       else None)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise BadHead(f"not a signed checkpoint: {exc}") from exc
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or len(root) != 32:
            raise BadHead("a head's size is a whole number and its root_hash 64 hex digits")
        return head

    def verified(self, pinned_keys: Mapping[str, bytes] | None) -> bytes:
        """The public key that signed this head, once its signature is checked; :class:`BadHead` if not.

        A pinned key of that id is used; else the head's own ``public_key``, which came by the same
        separate channel as the head."""
        public = (pinned_keys or {}).get(self.key_id)
        if public is None and pinned_keys:
            raise BadHead(f"the head is signed by key {self.key_id}, which is not the pinned key")
        if public is None:
            if self.public_key is None:
                raise BadHead("the head has no public_key: pin the key with --key")
            if key_id_of(self.public_key) != self.key_id:
                raise BadHead(f"the head's public_key is not key {self.key_id}")
            public = self.public_key
        text = checkpoint_text(log=self.log, size=self.size, root_hash=self.root, time=self.time)
        if not _verify_signature(public, self.signature, text):
            raise BadHead("the head's signature does not verify: it was forged or changed")
        return public


@dataclass
class Report:
    log: str = ""
    entries: int = 0
    checkpoints: int = 0
    keys_pinned: bool = False
    key_ids: set[str] = field(default_factory=set)
    head: Head | None = None

    def summary(self) -> str:
        if self.keys_pinned:
            source = "pinned key"
        elif self.head is not None and self.key_ids <= {self.head.key_id}:
            source = "the head's key"
        elif self.head is not None:
            source = "the head's key, and for the others keys from the file itself (pin them with --key)"
        else:
            source = "keys from the file itself (pin one with --key)"
        text = (f"OK: log {self.log}: {self.entries} entries, {self.checkpoints} signed checkpoints, "
                f"all hashes and signatures verified ({source}: {', '.join(sorted(self.key_ids))})")
        if self.head is None:
            return text + "; compare it with a head obtained separately (--head) to rule out a cut-off end"
        later = self.entries - self.head.size
        return (text + f"; consistent with the head of size {self.head.size} signed at {self.head.time}: the export "
                f"holds all its entries" + (f", and {later} after them" if later else ""))


def _verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def _header_keys(header: dict, line: int) -> dict[str, bytes]:
    keys = {}
    for key in header.get("keys") or []:
        try:
            keys[key["key_id"]] = base64.b64decode(key["public_key"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise Tampered(line, "the header lists a malformed public key") from exc
    return keys


def verify_export(lines: Iterable[bytes], *, pinned_keys: Mapping[str, bytes] | None = None,
                  head: Head | None = None) -> Report:
    """Check an export line by line; raise :class:`Tampered` at the first problem.

    With ``head``, also check that the export holds the entries that head vouches for: the same
    entries (their root is the head's) and no fewer (:class:`BadHead` if the head itself is bad)."""
    report = Report(keys_pinned=bool(pinned_keys), head=head)
    head_key = head.verified(pinned_keys) if head is not None else None
    tree = CompactRange()
    keys: dict[str, bytes] = {}
    last_checkpoint_size = 0
    last_checkpoint_time = ""
    header_seen = False
    head_root = EMPTY_ROOT if head is not None and head.size == 0 else None
    line_of_seq = array("q")  # the line each entry was read on, to say where an earlier one was
    number = 0
    numbered = enumerate(lines, start=1)
    for number, raw in numbered:
        raw = raw.rstrip(b"\r\n")
        if not raw:
            continue
        try:
            record = _loads(raw)
        except ValueError as exc:
            raise Tampered(number, f"not a JSON line (after entry seq {tree.size - 1})" if tree.size
                           else "not a JSON line") from exc
        if not isinstance(record, dict):
            raise Tampered(number, "not a JSON object")
        kind = record.get("type")
        if not header_seen:
            if kind != "header" or record.get("format") != FORMAT:
                raise Tampered(number, f"the first line must be a {FORMAT} header")
            header_seen = True
            report.log = str(record.get("log", ""))
            keys = _header_keys(record, number)
            if pinned_keys:
                for key_id, public in keys.items():
                    if key_id in pinned_keys and pinned_keys[key_id] != public:
                        raise Tampered(number, f"key {key_id} in the file is not the pinned key")
                keys = dict(pinned_keys)
            if head is not None:
                if head.log != report.log:
                    raise Tampered(number, f"this is an export of log {report.log}, the head is of log {head.log}")
                if keys.get(head.key_id, head_key) != head_key:
                    raise Tampered(number, f"key {head.key_id} in the file is not the key that signed the head")
                keys[head.key_id] = head_key
            continue
        if kind == "entry":
            seq = record.get("seq")
            if record.get("log") != report.log:
                raise Tampered(number, f"entry seq {seq} is of log {record.get('log')!r}, in the export of log "
                                       f"{report.log}", seq=seq if isinstance(seq, int) else None)
            if seq != tree.size or isinstance(seq, bool):
                raise _out_of_sequence(number, seq, tree.size, line_of_seq, numbered)
            tree.append(leaf_hash(raw))
            line_of_seq.append(number)
            if head is not None and tree.size == head.size:
                head_root = tree.root()
        elif kind == "checkpoint":
            _check_checkpoint(record, number, tree, keys, report, last_checkpoint_size, last_checkpoint_time)
            last_checkpoint_size = record["size"]
            last_checkpoint_time = record["time"]
            report.checkpoints += 1
            report.key_ids.add(record["key_id"])
        else:
            raise Tampered(number, f"unknown line type {kind!r}")
    if not header_seen:
        raise Tampered(max(number, 1), "empty file: no header")
    if report.checkpoints == 0:
        raise Tampered(number, "no signed checkpoint: nothing vouches for these entries")
    if last_checkpoint_size != tree.size:
        raise Tampered(number, f"{_entries(last_checkpoint_size, tree.size - 1)} "
                               f"{'comes' if tree.size - last_checkpoint_size == 1 else 'come'} after the last signed "
                               f"checkpoint: nothing vouches for "
                               f"{'it' if tree.size - last_checkpoint_size == 1 else 'them'}",
                       seqs=(last_checkpoint_size, tree.size - 1))
    if head is not None:
        _compare_with_head(head, head_root, tree.size, number, line_of_seq)
    report.entries = tree.size
    return report


def _count(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _entries(first: int, last: int) -> str:
    return f"entry seq {first}" if first == last else f"entries seq {first}..{last}"


def _compare_with_head(head: Head, head_root: bytes | None, size: int, number: int, line_of_seq) -> None:
    """The export holds what the head vouches for: as many entries at least, whose first
    ``head.size`` hash to the head's root (the export holds every leaf, so the prefix's root is
    computed, as a consistency proof would show it)."""
    if head.size > size:
        raise Tampered(number, f"the export ends at {size} entries but the head says {head.size} (signed at "
                               f"{head.time}): {_entries(size, head.size - 1)} "
                               f"{'is' if head.size - size == 1 else 'are'} missing: cut off the end, or the export "
                               f"was made before that head", seq=size, seqs=(size, head.size - 1))
    if head_root != head.root:
        raise Tampered(line_of_seq[head.size - 1] if head.size else number,
                       f"the first {head.size} entries do not hash to the root the head signed for size "
                       f"{head.size}: they are not the entries the head vouches for (one among seq 0..{head.size - 1} "
                       f"was altered, or the log was rewritten and signed again)", seqs=(0, head.size - 1))


def _later_entries(numbered: Iterator[tuple[int, bytes]]) -> list[tuple[int, object]]:
    """(line, seq) of the entry lines after a problem, read to say what the problem is."""
    later = []
    for number, raw in numbered:
        try:
            record = _loads(raw.rstrip(b"\r\n"))
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") == "entry":
            later.append((number, record.get("seq")))
    return later


def _out_of_sequence(number: int, seq, expected: int, line_of_seq, numbered) -> Tampered:
    """What an entry numbered ``seq`` where ``expected`` was due means, from the rest of the file:
    a repeat, a swap, a move or entries missing."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return Tampered(number, f"an entry without a valid seq ({seq!r}) where seq {expected} was expected",
                        seq=expected)
    if seq < expected:
        return Tampered(number, f"entry seq {seq} comes a second time (first at line {line_of_seq[seq]}), where "
                                f"seq {expected} was expected: an entry was repeated or inserted here", seq=seq)
    later = _later_entries(numbered)
    where = {s: line for line, s in later if isinstance(s, int)}
    if expected in where:
        run = [seq] + [s for _, s in later]
        if run[seq - expected:seq - expected + 1] == [expected] and run[1:seq - expected] == list(
                range(expected + 1, seq)):
            return Tampered(number, f"entries seq {expected} and {seq} are out of order (swapped): seq {seq} is at "
                                    f"line {number}, where seq {expected} belongs, and seq {expected} at line "
                                    f"{where[expected]}", seq=expected)
        return Tampered(number, f"entry seq {expected} is out of place: it comes at line {where[expected]}; here "
                                f"comes seq {seq}", seq=expected)
    missing = [s for s in range(expected, seq) if s not in where]
    if missing == list(range(expected, seq)):
        what = f"entry seq {expected} is missing" if seq == expected + 1 else \
            f"entries seq {expected}..{seq - 1} are missing"
        return Tampered(number, f"{what} (the entry here is seq {seq})", seq=expected,
                        seqs=(expected, seq - 1))
    return Tampered(number, f"entry seq {expected} is missing (the entry here is seq {seq})", seq=expected)


def _check_checkpoint(record: dict, number: int, tree: CompactRange, keys: Mapping[str, bytes], report: Report,
                      previous_size: int, previous_time: str) -> None:
    try:
        size, root_hex, when = record["size"], record["root_hash"], record["time"]
        key_id, signature = record["key_id"], base64.b64decode(record["signature"], validate=True)
        root = bytes.fromhex(root_hex)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise Tampered(number, "malformed checkpoint") from exc
    if record.get("log") != report.log:
        raise Tampered(number, f"checkpoint of log {record.get('log')!r} in the export of log {report.log}")
    if not isinstance(size, int) or isinstance(size, bool):
        raise Tampered(number, "malformed checkpoint")
    if size > tree.size:
        raise Tampered(number, f"the checkpoint for size {size} comes after only {tree.size} entries: "
                               f"{_count(size - tree.size)} before it {'is' if size - tree.size == 1 else 'are'} "
                               f"missing (or it was moved)",
                       seqs=(tree.size, size - 1))
    if size < tree.size:
        raise Tampered(number, f"the checkpoint for size {size} comes after {tree.size} entries: "
                               f"{_count(tree.size - size)} before it {'was' if tree.size - size == 1 else 'were'} "
                               f"added (or it was moved)",
                       seqs=(size, tree.size - 1))
    if size < previous_size or when < previous_time:
        raise Tampered(number, "checkpoints go backwards in size or time")
    public = keys.get(key_id)
    if public is None:
        raise Tampered(number, f"checkpoint signed by key {key_id}, which is not "
                               f"{'the pinned key' if report.keys_pinned else 'in the header'}")
    message = checkpoint_text(log=report.log, size=size, root_hash=root, time=when)
    if not _verify_signature(public, signature, message):
        raise Tampered(number, f"the signature of the checkpoint for size {size} does not verify: "
                               f"the checkpoint was forged or changed")
    if root != tree.root():
        first = previous_size
        if first == size - 1:
            raise Tampered(number, f"entry seq {first} was altered (its hash does not match the tree signed at "
                                   f"size {size} by the checkpoint on this line)", seq=first, seqs=(first, first))
        # A checkpoint vouches for its stretch as a whole: which of these entries changed, it cannot say.
        raise Tampered(number, f"one or more of entries seq {first}..{size - 1} were altered: they do not hash to "
                               f"the root signed for size {size} by the checkpoint on this line (the entries "
                               f"before seq {first} match the checkpoint for size {first}; the checkpoints cannot "
                               f"say which of these {size - first} changed)", seqs=(first, size - 1))


def verify_file(path: str, *, pinned_keys: Mapping[str, bytes] | None = None, head: Head | None = None) -> Report:
    with open(path, "rb") as handle:
        return verify_export(handle, pinned_keys=pinned_keys, head=head)
