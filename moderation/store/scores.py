"""The scores table: labels per distinct text and model, so no text is scored twice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, select

from moderation.store.db import upsert
from moderation.store.schema import score_parts, scores


def known(connection: Connection, keys: list[str], model: str) -> dict[str, dict[str, float]]:
    """Stored labels of `model` for those of `keys` it has already scored."""
    found: dict[str, dict[str, float]] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        query = select(scores.c.text_key, scores.c.labels).where(
            scores.c.model == model, scores.c.text_key.in_(chunk)
        )
        found.update({key: labels for key, labels in connection.execute(query)})
    return found


def add(
    connection: Connection,
    kind: str,
    model: str,
    labels: Mapping[str, Mapping[str, float]],
    now: datetime,
) -> None:
    """Store new labels by text key; texts already scored by this model are left as they are."""
    rows = [
        {"text_key": key, "model": model, "kind": kind, "labels": dict(values), "scored_at": now}
        for key, values in labels.items()
    ]
    upsert(connection, scores, rows, ["text_key", "model"], [])


def known_by_model(
    connection: Connection, keys: list[str], models: list[str]
) -> dict[str, dict[str, dict[str, float]]]:
    """model -> text key -> stored labels, for several models in one query per 500 keys."""
    found: dict[str, dict[str, dict[str, float]]] = {model: {} for model in models}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        query = select(scores.c.model, scores.c.text_key, scores.c.labels).where(
            scores.c.model.in_(models), scores.c.text_key.in_(chunk)
        )
        for model, key, labels in connection.execute(query):
            found[model][key] = labels
    return found


def loaded_parts(connection: Connection) -> set[str]:
    """The Ray score parts whose labels are already stored, by the names `add_part` gave."""
    return set(connection.scalars(select(score_parts.c.part)))


def add_part(connection: Connection, part: str, texts: int, now: datetime) -> None:
    """Note a Ray score part as stored, in the transaction that stores its labels."""
    upsert(
        connection, score_parts, [{"part": part, "texts": texts, "loaded_at": now}], ["part"], []
    )
