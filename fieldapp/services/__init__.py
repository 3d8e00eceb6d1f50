"""Writes and the rules that guard them. Services flush; the view (or CLI command) commits once."""
