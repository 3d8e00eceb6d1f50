"""The offline verifier of an activity-log export (``fieldapp audit verify FILE``).

It needs nothing but the file (and, to rule out a forged key, the commune's public key): it
recomputes every leaf hash and the Merkle root at every checkpoint, checks every signature, and
checks that sequence numbers run 0, 1, 2, … with nothing removed, inserted or reordered. The format
is in mobile_contract/audit-log.md; this module is the reference reader of it.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fieldapp.audit.formats import FORMAT, checkpoint_text
from fieldapp.audit.merkle import CompactRange, leaf_hash

try:  # orjson parses several times faster; the standard library gives the same objects
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    from json import loads as _loads


class Tampered(Exception):
    """The first thing found wrong, with where it is."""

    def __init__(self, line: int, message: str, seq: int | None = None):
        super().__init__(message)
        self.line = line
        self.seq = seq

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", entry seq {self.seq}" if self.seq is not None else "")
        return f"{where}: {self.args[0]}"


@dataclass
class Report:
    log: str = ""
    entries: int = 0
    checkpoints: int = 0
    keys_pinned: bool = False
    key_ids: set[str] = field(default_factory=set)

    def summary(self) -> str:
        source = "pinned key" if self.keys_pinned else "keys from the file itself (pin one with --key)"
        return (f"OK: log {self.log}: {self.entries} entries, {self.checkpoints} signed checkpoints, "
                f"all hashes and signatures verified ({source}: {', '.join(sorted(self.key_ids))})")


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


def verify_export(lines: Iterable[bytes], *, pinned_keys: Mapping[str, bytes] | None = None) -> Report:
    """Check an export line by line; raise :class:`Tampered` at the first problem."""
    report = Report(keys_pinned=bool(pinned_keys))
    tree = CompactRange()
    keys: dict[str, bytes] = {}
    last_checkpoint_size = 0
    last_checkpoint_time = ""
    header_seen = False
    number = 0
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r\n")
        if not raw:
            continue
        try:
            record = _loads(raw)
        except ValueError as exc:
            raise Tampered(number, "not a JSON line", seq=tree.size) from exc
        if not isinstance(record, dict):
            raise Tampered(number, "not a JSON object", seq=tree.size)
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
            continue
        if kind == "entry":
            seq = record.get("seq")
            if record.get("log") != report.log:
                raise Tampered(number, f"entry of log {record.get('log')!r} in the export of log {report.log}",
                               seq=seq)
            if seq != tree.size:
                what = "an entry was removed here" if isinstance(seq, int) and seq > tree.size else \
                    "an entry was inserted, repeated or moved here"
                raise Tampered(number, f"sequence number {seq} where {tree.size} was expected: {what}", seq=seq)
            tree.append(leaf_hash(raw))
        elif kind == "checkpoint":
            _check_checkpoint(record, number, tree, keys, report, last_checkpoint_size, last_checkpoint_time)
            last_checkpoint_size = record["size"]
            last_checkpoint_time = record["time"]
            report.checkpoints += 1
            report.key_ids.add(record["key_id"])
        else:
            raise Tampered(number, f"unknown line type {kind!r}", seq=tree.size)
    if not header_seen:
        raise Tampered(max(number, 1), "empty file: no header")
    if report.checkpoints == 0:
        raise Tampered(number, "no signed checkpoint: nothing vouches for these entries")
    if last_checkpoint_size != tree.size:
        raise Tampered(number, f"entries {last_checkpoint_size}..{tree.size - 1} come after the last signed "
                               f"checkpoint: nothing vouches for them", seq=last_checkpoint_size)
    report.entries = tree.size
    return report


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
    if size != tree.size:
        raise Tampered(number, f"checkpoint for size {size} placed after {tree.size} entries: entries were "
                               f"removed or added around it", seq=min(size, tree.size) if isinstance(size, int)
                       else None)
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
        span = f"seq {first}" if first == size - 1 else f"seq {first}..{size - 1}"
        raise Tampered(number, f"the entries do not hash to the signed root for size {size}: an entry among "
                               f"{span} was altered", seq=first)


def verify_file(path: str, *, pinned_keys: Mapping[str, bytes] | None = None) -> Report:
    with open(path, "rb") as handle:
        return verify_export(handle, pinned_keys=pinned_keys)
