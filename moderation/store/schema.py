"""The store's tables, as the current migration leaves them. Queries use these objects;
the schema itself is created and changed only by migrations (see migrations/versions)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String, primary_key=True),
    Column("source", Text, nullable=False),  # file path or URL it was read from
    Column("title", Text, nullable=False),
    Column("byline", Text),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("section", Text),  # since migration 0002
    Column("published", Text),  # ISO 8601, where the source gives it
)

comments = Table(
    "comments",
    metadata,
    Column("id", String, primary_key=True),
    Column("article_id", String, ForeignKey("articles.id"), nullable=False, index=True),
    Column("author", Text, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),  # the commenter's own words
    Column("quote", Text),  # what they quoted, kept apart
    Column("quote_author", Text),
    Column("parent_id", String, index=True),
    # explicit | indent | quote (it quotes the parent) | name, order (inferred guesses)
    Column("reply_basis", String),
    Column("posted", Text),
    Column("depth", Integer, nullable=False),
    # visible | deleted | spam, as the source marks it
    Column("status", String, nullable=False),
    Column("text_key", String, nullable=False),  # scores.text_key of `text`
    Column("quote_key", String),  # scores.text_key of `quote`
    Column("first_seen", DateTime(timezone=True), nullable=False),
    # why the text could not be read fully (NULL when it could); since migration 0005
    Column("unreadable", Text),
    # the name as the source gave it, where `author` had hidden characters taken out; since 0006
    Column("author_raw", Text),
    # when a source (a run, a live request) last gave it; since 0010
    Column("last_read", DateTime(timezone=True)),
)

# One row per distinct text and model: the same words are never scored twice by one model.
scores = Table(
    "scores",
    metadata,
    Column("text_key", String, primary_key=True),
    Column("model", String, primary_key=True),  # model id with version
    Column("kind", String, nullable=False),  # sentiment | toxicity
    Column("labels", JSON, nullable=False),  # only the labels the model produces
    Column("scored_at", DateTime(timezone=True), nullable=False),
)

# What the rules decided. Replaced when rules run again; human reviews live apart.
rule_decisions = Table(
    "rule_decisions",
    metadata,
    Column("comment_id", String, ForeignKey("comments.id"), primary_key=True),
    # hold | flag | reject | approve, or NULL when no rule matched
    Column("action", String, index=True),
    Column("priority", Integer),  # of the winning rule
    Column("rule_ids", JSON, nullable=False),
    Column("matches", JSON, nullable=False),  # every matched rule: reasons and spans
    Column("missing", JSON, nullable=False),  # scores rules needed but did not get
    Column("ruleset", String, nullable=False),
    Column("sentiment_model", String, nullable=False),
    Column("toxicity_model", String, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("top_score", Float),  # highest toxicity label of the own text: queue order
    # the comment's state (a review's, else the rules'), written with both (0018)
    Column("state", String),
    # the queue's order (0003; ends in the id since 0017, for keyset pages), and per action
    Index("ix_rule_decisions_queue", "priority", "top_score", "comment_id"),
    Index("ix_rule_decisions_action_queue", "action", "priority", "top_score", "comment_id"),
    Index("ix_rule_decisions_state", "state", "priority"),  # 0018
)

# The rules each decision matched (rule_decisions.rule_ids, one row each): filters read
# the index on rule_id; since 0012.
decision_rules = Table(
    "decision_rules",
    metadata,
    Column("comment_id", String, ForeignKey("comments.id"), primary_key=True),
    Column("rule_id", String, primary_key=True, index=True),
)

# Moderators' decisions: append-only (triggers refuse UPDATE and DELETE), never rewritten
# by rescoring or by rules running again.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String, ForeignKey("comments.id"), nullable=False, index=True),
    Column("moderator", Text, nullable=False),
    Column("action", String, nullable=False),  # approve | reject | escalate
    Column("note", Text),
    Column("previous_state", String),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("new_state", String),  # since migration 0003
    Column("undoes", Integer),  # for action "undo": the review it takes back
    # why it was rejected: abuse | hate | spam | off-topic | harassment | other; since 0015
    Column("reason", String),
    Column("batch", String),  # the reviews of one bulk decision share it: undone together (0016)
)

# What moderators did about an author: "premoderate" (hold new comments for review), "ban"
# (reject them), "clear" (neither). The latest entry stands. Append-only, like reviews (0016).
author_actions = Table(
    "author_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author", Text, nullable=False, index=True),
    Column("action", String, nullable=False),
    Column("moderator", Text, nullable=False),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Each reviewed comment's current state and the review that set it (written with it).
# State of a comment without a row here: from its rule decision (see store/queue.py).
review_states = Table(
    "review_states",
    metadata,
    Column("comment_id", String, ForeignKey("comments.id"), primary_key=True),
    Column("state", String, nullable=False),  # awaiting | held | escalated | approved | rejected
    Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False),
)

# How many comments are in each state, kept with every write so the queue never counts rows.
state_counts = Table(
    "state_counts",
    metadata,
    Column("state", String, primary_key=True),
    Column("count", Integer, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", String, nullable=False),  # moderator | editor | admin
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a session is valid only while it carries this number; logging out adds one (0007)
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    Column("disabled_at", DateTime(timezone=True)),  # NULL while the account may log in (0016)
    Column("last_login", DateTime(timezone=True)),
)

# Secrets the web app makes once and every worker shares, e.g. its session key (0009).
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", Text, nullable=False),
)

# Failed logins by "account:NAME" and "address:IP": a growing lockout after a few (0008).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)

# Part files of Ray jobs whose scores are in `scores`, by path, size and mtime (0019): a
# resumed job loads only the parts it has not loaded, not every part again.
score_parts = Table(
    "score_parts",
    metadata,
    Column("part", Text, primary_key=True),
    Column("texts", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("comments", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("ruleset", String, nullable=False),
    Column("sentiment_model", String),
    Column("toxicity_model", String),
)

# A comment's earlier texts and what the rules decided on each (a live comment edited).
comment_revisions = Table(
    "comment_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String, ForeignKey("comments.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("quote", Text),
    Column("action", String),  # the rule decision on this text: hold | flag | reject | approve
    Column("rule_ids", JSON, nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
)

# Keys of the Perspective-compatible API: only a hash is kept; the key is shown once.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("key_hash", String, nullable=False, unique=True),  # sha256 of the key
    Column("prefix", String, nullable=False),  # the key's first characters, to tell keys apart
    Column("rate_limit", Float, nullable=False),  # requests per second
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),  # NULL while the key works
)

# Signing secrets of Coral external moderation phases. Kept as they are: checking an HMAC
# needs the secret itself. Two per phase while a secret is rolled.
coral_secrets = Table(
    "coral_secrets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phase", Text, nullable=False, index=True),
    Column("secret", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),  # NULL while it is accepted
)


def described(name: str | None) -> bool:
    """Whether the schema above describes this table or index: the text-search indexes
    (migration 0013: an FTS5 table and its shadow tables on SQLite, an index over an
    expression on PostgreSQL), PostgreSQL's queue-order indexes (0014, 0017: NULLS LAST)
    and the index of authors' names in lower case (0017) are made by the migrations alone."""
    return not (name or "").startswith(
        ("comments_fts", "ix_comments_search", "ix_rule_decisions_queue_order",
         "ix_comments_author_lower")
    )  # fmt: skip
