"""Signing keys shared by the activity log and the QR codes."""
