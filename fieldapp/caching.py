"""A short-lived cache of computed answers that anyone may read (the public results): a burst of
anonymous reads is computed once per time to live, not once per read.

Where the values are kept: ``RESULTS_CACHE_URI``, else ``RATELIMIT_STORAGE_URI`` (the rate limits'
storage, fieldapp/extensions.py): ``redis://…`` when several workers must share one cache (one
computation per time to live for the whole server), ``memory://`` in the embedded default (each worker
process keeps its own: at most one computation per worker and time to live). Values are JSON, so only
answers fit to publish are ever kept. If Redis cannot be reached the answer is computed and served
uncached (a warning is logged): the cache saves work, it is never needed to answer.

In one process, readers who miss the same key at the same moment wait for the first one's
computation instead of each computing it (a lock per key).
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from fieldapp.clock import utcnow

log = logging.getLogger(__name__)

EXTENSION = "fieldapp_results_cache"


class _Memory:
    def __init__(self):
        self._values: dict[str, tuple[float, str]] = {}

    def get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None or found[0] <= utcnow().timestamp():
            return None
        return found[1]

    def set(self, key: str, value: str, ttl: int) -> None:
        now = utcnow().timestamp()
        for old in [k for k, (until, _v) in self._values.items() if until <= now]:  # nothing outlives its time
            del self._values[old]
        self._values[key] = (now + ttl, value)

    def clear(self) -> None:
        self._values.clear()


class _Redis:
    def __init__(self, uri: str, prefix: str):
        import redis

        self._client = redis.Redis.from_url(uri, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    def get(self, key: str) -> str | None:
        value = self._client.get(self._prefix + key)
        return None if value is None else value.decode("utf-8")

    def set(self, key: str, value: str, ttl: int) -> None:
        self._client.set(self._prefix + key, value, ex=ttl)

    def clear(self) -> None:
        for key in self._client.scan_iter(match=self._prefix + "*"):
            self._client.delete(key)


class ResultsCache:
    """The app's cache of public answers (created unbound, as the extensions are)."""

    def init_app(self, app: Flask) -> None:
        uri = app.config.get("RESULTS_CACHE_URI") or app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        prefix = app.config.get("RESULTS_CACHE_PREFIX", "fieldapp:results:")
        backend = _Redis(uri, prefix) if uri.startswith(("redis://", "rediss://")) else _Memory()
        app.extensions[EXTENSION] = {"backend": backend, "locks": {}, "guard": threading.Lock()}

    def _state(self) -> dict:
        return current_app.extensions[EXTENSION]

    def get_or_compute(self, key: str, ttl: int, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """The value kept under ``key``, else ``compute()``'s, kept for ``ttl`` seconds; and whether it
        came from the cache."""
        state = self._state()
        found = self._get(state["backend"], key)
        if found is not None:
            return found, True
        with state["guard"]:
            lock = state["locks"].setdefault(key, threading.Lock())
        with lock:
            found = self._get(state["backend"], key)  # another reader may have computed it meanwhile
            if found is not None:
                return found, True
            value = compute()
            try:
                state["backend"].set(key, json.dumps(value, ensure_ascii=False), ttl)
            except Exception as error:  # Redis away: serve it uncached
                log.warning("results cache unavailable: %s", error)
            return value, False

    @staticmethod
    def _get(backend, key: str):
        try:
            value = backend.get(key)
        except Exception as error:  # Redis away: compute it
            log.warning("results cache unavailable: %s", error)
            return None
        return None if value is None else json.loads(value)

    def clear(self) -> None:
        """Forget every value (tests; an operator after correcting data, who does not want to wait)."""
        self._state()["backend"].clear()


results_cache = ResultsCache()
