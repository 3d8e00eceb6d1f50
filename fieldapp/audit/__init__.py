"""Tamper-evident audit log: the RFC 6962 / RFC 9162 Merkle tree and its proofs."""
