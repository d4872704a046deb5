"""API keys at the door: a known, working key, within its rate limit.

The limit is a token bucket per key, kept in this process: with several server processes
each allows the key's rate, so run one process with threads (the model is loaded once
per process anyway; see the README).
"""

from __future__ import annotations

import threading
import time

from moderation.errors import ApiError
from moderation.store import Store
from moderation.store import keys as key_store
from moderation.store.keys import ApiKey


class KeyGate:
    """Checks keys against the store and counts each key's requests."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, when)
        self._lock = threading.Lock()

    def admit(self, key: str | None) -> ApiKey:
        """The key, if it works and has requests left; else a 403 or 429 ApiError."""
        if not key:
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                "The request is missing a valid API key: add ?key=KEY (make one with `moderation keys add NAME`).",
            )
        with self.store.transaction() as connection:
            found = key_store.find(connection, key)
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
