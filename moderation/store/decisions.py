"""The rule_decisions table: what the rules decided for each comment, and why."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, case, select

from moderation.records import Decision
from moderation.store.db import upsert
from moderation.store.schema import articles, comments, rule_decisions, scores

# hold, flag and reject are what rules flag; approve and no match need no moderator.
FLAGGED = ("hold", "flag", "reject")


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


def flagged(connection: Connection, limit: int | None = None) -> list[dict]:
    """Flagged comments, highest priority and strictest action first, with their scores."""
    tox = scores.alias("tox")
    sent = scores.alias("sent")
    severity = case({"reject": 3, "hold": 2, "flag": 1}, value=rule_decisions.c.action, else_=0)
    query = (
        select(
            comments.c.id,
            comments.c.author,
            comments.c.text,
            comments.c.quote,
            comments.c.position,
            articles.c.title,
            articles.c.source,
            rule_decisions.c.action,
            rule_decisions.c.priority,
            rule_decisions.c.rule_ids,
            rule_decisions.c.matches,
            rule_decisions.c.toxicity_model,
            tox.c.labels.label("toxicity"),
            sent.c.labels.label("sentiment"),
        )
        .join(comments, comments.c.id == rule_decisions.c.comment_id)
        .join(articles, articles.c.id == comments.c.article_id)
        .outerjoin(
            tox,
            (tox.c.text_key == comments.c.text_key)
            & (tox.c.model == rule_decisions.c.toxicity_model),
        )
        .outerjoin(
            sent,
            (sent.c.text_key == comments.c.text_key)
            & (sent.c.model == rule_decisions.c.sentiment_model),
        )
        .where(rule_decisions.c.action.in_(FLAGGED))
        .order_by(
            rule_decisions.c.priority.desc(), severity.desc(), articles.c.title, comments.c.position
        )
        .limit(limit)
    )
    return [dict(row._mapping) for row in connection.execute(query)]
