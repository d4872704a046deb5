"""The rule_decisions table: what the rules decided for each comment, and why."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    cast,
    delete,
    exists,
    func,
    literal_column,
    select,
)  # fmt: skip

from moderation.records import Decision
from moderation.store.db import upsert
from moderation.store.queue import MACHINE_STATE
from moderation.store.schema import decision_rules, review_states, rule_decisions, scores


def record(
    connection: Connection,
    decided: list[tuple[str, Decision, float | None]],
    sentiment_model: str,
    toxicity_model: str,
    now: datetime,
) -> None:
    """Store each comment's latest rule decision (with its top toxicity score), replacing
    the previous one. Moderators' reviews are elsewhere and untouched."""
    rows = [
        {
            "comment_id": comment_id,
            "action": d.action and d.action.value,
            "priority": d.matches[0].priority if d.matches else None,
            "rule_ids": list(d.rule_ids),
            "matches": [asdict(m) for m in d.matches],
            "missing": list(d.missing),
            "ruleset": d.ruleset,
            "sentiment_model": sentiment_model,
            "toxicity_model": toxicity_model,
            "decided_at": now,
            "top_score": top_score,
            "state": MACHINE_STATE.get(d.action and d.action.value, "published"),
        }
        for comment_id, d, top_score in decided
    ]
    columns = [c.name for c in rule_decisions.columns if c.name != "comment_id"]
    upsert(connection, rule_decisions, rows, ["comment_id"], columns)
    ids = [comment_id for comment_id, _, _ in decided]
    reviewed = select(review_states.c.state).where(
        review_states.c.comment_id == rule_decisions.c.comment_id
    )
    for start in range(0, len(ids), 500):  # a moderator's decision outlives the rules'
        connection.execute(
            rule_decisions.update()
            .where(rule_decisions.c.comment_id.in_(ids[start : start + 500]), exists(reviewed))
            .values(state=reviewed.scalar_subquery())
        )
    for start in range(0, len(ids), 500):
        connection.execute(
            delete(decision_rules).where(decision_rules.c.comment_id.in_(ids[start : start + 500]))
        )
    matched = [{"comment_id": comment_id, "rule_id": rule_id}
               for comment_id, d, _ in decided for rule_id in dict.fromkeys(d.rule_ids)]  # fmt: skip
    if matched:
        connection.execute(decision_rules.insert(), matched)


def rule_stats(connection: Connection) -> list[dict]:
    """Per rule: comments it matched, and how moderators decided on them."""
    from moderation.store.schema import review_states

    query = (
        select(decision_rules.c.rule_id, review_states.c.state, func.count().label("n"))
        .select_from(decision_rules)
        .outerjoin(review_states, review_states.c.comment_id == decision_rules.c.comment_id)
        .group_by(decision_rules.c.rule_id, review_states.c.state)
    )
    stats: dict[str, dict] = {}
    for rule_id, state, n in connection.execute(query):
        entry = stats.setdefault(
            rule_id, {"rule_id": rule_id, "matched": 0, "confirmed": 0, "overturned": 0}
        )
        entry["matched"] += n
        entry["confirmed"] += n if state == "rejected" else 0
        entry["overturned"] += n if state == "approved" else 0
    return sorted(stats.values(), key=lambda e: -e["matched"])


def histograms(connection: Connection, bins: int = 10) -> dict:
    """Distribution of each toxicity label and of sentiment, for the latest run's models."""
    from moderation.store.schema import runs

    latest = connection.execute(
        select(runs.c.toxicity_model, runs.c.sentiment_model).order_by(runs.c.id.desc()).limit(1)
    ).first()
    if latest is None or latest.toxicity_model is None:
        return {"model": None, "labels": {}}
    label = _labels(connection.dialect.name)
    result: dict[str, list[int]] = {}
    for model, low, high, only in (
        (latest.toxicity_model, 0.0, 1.0, None),
        (latest.sentiment_model, -1.0, 1.0, "compound"),
    ):
        width = (high - low) / bins
        value = cast(label.c.value, Float)
        position = func.least(bins - 1, func.greatest(0, cast((value - low) / width, Integer)))
        if connection.dialect.name == "sqlite":  # SQLite's min and max take several values
            position = func.min(bins - 1, func.max(0, cast((value - low) / width, Integer)))
        query = (
            select(label.c.key, position.label("bin"), func.count())
            .select_from(scores.join(label, literal_column("1") == 1))
            .where(scores.c.model == model)
            .group_by(label.c.key, "bin")
        )
        if only:
            query = query.where(label.c.key == only)
        for key, position_, count in connection.execute(query):
            name = f"sentiment.{key}" if only else f"toxicity.{key}"
            result.setdefault(name, [0] * bins)[position_] += count
    return {"model": latest.toxicity_model, "labels": result}


def _labels(dialect: str):
    """Each stored score's labels as (key, value) rows: JSON1's json_each on SQLite,
    json_each_text on PostgreSQL."""
    if dialect == "postgresql":
        return func.json_each_text(scores.c.labels).table_valued("key", "value").alias("label")
    return func.json_each(scores.c.labels).table_valued("key", "value").alias("label")
