"""API keys at the door: a known, working key, within its rate limit.

The limit is a token bucket per key, kept in this process: with several server processes
each allows the key's rate, so run one process with threads (the model is loaded once
per process anyway; see the README). A key found in the store is remembered for a few
seconds, so a revoked key stops working within REMEMBER seconds.
"""

from __future__ import annotations

import threading
import time

from moderation.errors import ApiError
from moderation.store import Store
from moderation.store import keys as key_store
from moderation.store.keys import ApiKey

REMEMBER = 5.0  # seconds a key looked up in the store is trusted without looking again


class KeyGate:
    """Checks keys against the store and counts each key's requests."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, when)
        self._lock = threading.Lock()
        self._known: dict[str, tuple[ApiKey | None, float]] = {}  # key -> (found, when)

    def admit(self, key: str | None) -> ApiKey:
        """The key, if it works and has requests left; else a 403 or 429 ApiError."""
        if not key:
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                "The request is missing a valid API key: add ?key=KEY (make one with `moderation keys add NAME`).",
            )
        found = self._find(key)
        if found is None:
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                "API key not valid: unknown or revoked. Please pass a valid API key.",
            )
        if not self._take(found):
            raise ApiError(
                429,
                "RESOURCE_EXHAUSTED",
                f"Quota exceeded for key '{found.name}': {found.rate_limit:g} requests per second.",
            )
        return found

    def _find(self, key: str) -> ApiKey | None:
        now = time.monotonic()
        remembered = self._known.get(key)
        if remembered is not None and now - remembered[1] < REMEMBER:
            return remembered[0]
        with self.store.transaction() as connection:
            found = key_store.find(connection, key)
        if found is not None:  # unknown keys are not remembered: no memory for guesses
            self._known[key] = (found, now)
        return found

    def _take(self, key: ApiKey) -> bool:
        now = time.monotonic()
        capacity = max(1.0, key.rate_limit)  # a second's worth of requests may come at once
        with self._lock:
            tokens, then = self._buckets.get(key.name, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * key.rate_limit)
            if tokens < 1:
                self._buckets[key.name] = (tokens, now)
                return False
            self._buckets[key.name] = (tokens - 1, now)
            return True
