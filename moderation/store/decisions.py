"""The rule_decisions table: what the rules decided for each comment, and why."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, Integer, func, literal_column, select

from moderation.records import Decision
from moderation.store.db import upsert
from moderation.store.schema import rule_decisions, scores


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
        }
        for comment_id, d, top_score in decided
    ]
    columns = [c.name for c in rule_decisions.columns if c.name != "comment_id"]
    upsert(connection, rule_decisions, rows, ["comment_id"], columns)


def rule_stats(connection: Connection) -> list[dict]:
    """Per rule: comments it matched, and how moderators decided on them (SQLite JSON1)."""
    from moderation.store.schema import review_states

    rule = func.json_each(rule_decisions.c.rule_ids).table_valued("value").alias("rule")
    query = (
        select(rule.c.value.label("rule_id"), review_states.c.state, func.count().label("n"))
        .select_from(rule_decisions.join(rule, literal_column("1") == 1))
        .outerjoin(review_states, review_states.c.comment_id == rule_decisions.c.comment_id)
        .group_by(rule.c.value, review_states.c.state)
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
    label = func.json_each(scores.c.labels).table_valued("key", "value").alias("label")
    result: dict[str, list[int]] = {}
    for model, low, high, only in (
        (latest.toxicity_model, 0.0, 1.0, None),
        (latest.sentiment_model, -1.0, 1.0, "compound"),
    ):
        width = (high - low) / bins
        position = func.min(
            bins - 1, func.max(0, func.cast((label.c.value - low) / width, Integer))
        )
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
