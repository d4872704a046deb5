"""What the app holds across requests: settings, the store's engine, the scoring core.

The store, the rule file and the models load on first use, once per process; rules reload
only when an editor asks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection

from moderation.core import Moderator
from moderation.live.keys import KeyGate
from moderation.rules import RuleSet, load_rules
from moderation.settings import Settings, load_settings
from moderation.store import Store, open_store


class Moderation:
    """The store and rules behind the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._moderator: Moderator | None = None
        self._key_gate: KeyGate | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> Moderation:
        config_file = Path(config["MODERATION_CONFIG"]) if config.get("MODERATION_CONFIG") else None
        return cls(
            load_settings(
                config_file, db=config.get("MODERATION_DB"), rules=config.get("MODERATION_RULES")
            )
        )

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings.db_url)
            return self._store

    @property
    def moderator(self) -> Moderator:
        """The scoring core on the app's store: one per process, its model loaded once."""
        store = self.store
        with self._lock:
            if self._moderator is None:
                self._moderator = Moderator.from_settings(self.settings, store)
            return self._moderator

    @property
    def key_gate(self) -> KeyGate:
        """API keys and their rate limits, counted in this process."""
        store = self.store
        with self._lock:
            if self._key_gate is None:
                self._key_gate = KeyGate(store)
            return self._key_gate

    @property
    def rules(self) -> RuleSet:
        return self.moderator.rules

    def reload_rules(self) -> RuleSet:
        """Read the rule file again (an error leaves the rules in use as they were)."""
        fresh = load_rules(self.settings.rules)
        self.moderator.rules = fresh
        return fresh


def moderation() -> Moderation:
    """The app's store and rules."""
    return current_app.extensions["moderation"]


@contextmanager
def connection(immediate: bool = False) -> Iterator[Connection]:
    """A transaction on the app's store."""
    with moderation().store.transaction(immediate=immediate) as conn:
        yield conn
