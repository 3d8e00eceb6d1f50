"""Reads, always through the caller's scope where the object is scoped."""
