"""Benchmark (issue 6): verifying an export of 1,000,000 entries offline takes under 10 s.

Writes a real export (entries with the leaf format of mobile_contract/audit-log.md, their Merkle
tree, a signed checkpoint every 100,000 entries and one at the end) to a temporary file, then runs
the offline verifier on it, as ``fieldapp audit verify`` does, and prints the time.

    .venv/bin/python bench/audit_verify.py [--entries 1000000]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from fieldapp.audit.formats import FORMAT, canonical, checkpoint_text, leaf_object, timestamp  # noqa: E402
from fieldapp.audit.merkle import CompactRange, leaf_hash  # noqa: E402
from fieldapp.audit.verify import verify_file  # noqa: E402

LOG = "17395"


def write_export(path: str, entries: int, checkpoint_every: int) -> bytes:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    key_id = hashlib.sha256(public).hexdigest()[:16]
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    tree = CompactRange()
    with open(path, "wb") as out:
        out.write(canonical({"type": "header", "format": FORMAT, "log": LOG, "exported_at": timestamp(start),
                             "keys": [{"key_id": key_id, "algorithm": "ed25519",
                                       "public_key": base64.b64encode(public).decode(),
                                       "created_at": timestamp(start), "retired_at": None}]}) + b"\n")
        for seq in range(entries):
            data = canonical(leaf_object(
                log=LOG, seq=seq, entry_id=seq + 1, time=start + timedelta(seconds=seq), actor_id=1000 + seq % 97,
                actor_role="volunteer", action="checkin.create", object_type="checkin",
                object_id=f"c-{seq}", request_id=f"{seq:032x}", client_id=f"5f0c9d3e-1a2b-4c5d-8e9f-{seq:012x}",
                body={"session_id": f"S-{seq % 500}", "verdict": "verified", "flags": []}))
            out.write(data + b"\n")
            tree.append(leaf_hash(data))
            if tree.size % checkpoint_every == 0 or tree.size == entries:
                when = timestamp(start + timedelta(seconds=seq + 1))
                text = checkpoint_text(log=LOG, size=tree.size, root_hash=tree.root(), time=when)
                out.write(canonical({"type": "checkpoint", "log": LOG, "size": tree.size,
                                     "root_hash": tree.root().hex(), "time": when, "key_id": key_id,
                                     "signature": base64.b64encode(key.sign(text)).decode()}) + b"\n")
    return public


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=100_000)
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(prefix="fieldapp-bench-"), "export.jsonl")
    started = time.perf_counter()
    public = write_export(path, args.entries, args.checkpoint_every)
    size_mb = os.path.getsize(path) / 1e6
    print(f"wrote an export of {args.entries:,} entries ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
    key_id = hashlib.sha256(public).hexdigest()[:16]
    started = time.perf_counter()
    report = verify_file(path, pinned_keys={key_id: public})
    elapsed = time.perf_counter() - started
    assert report.entries == args.entries
    print(report.summary())
    print(f"verified {args.entries:,} entries in {elapsed:.2f} s ({args.entries / elapsed:,.0f} entries/s)")
    os.remove(path)


if __name__ == "__main__":
    main()
