"""The store: SQLite by default, any SQLAlchemy URL otherwise, one module per table."""

from moderation.store.db import Store, open_store

__all__ = ["Store", "open_store"]
