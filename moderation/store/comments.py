"""The comments table: every comment as extracted, keyed by its stable id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Connection,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)  # fmt: skip

from moderation.records import Comment, ReplyBasis, text_key
from moderation.store.db import upsert
from moderation.store.schema import (
    articles,
    comment_revisions,
    comments,
    review_states,
    rule_decisions,
)

_REFRESHED = [
    "last_read",
    "author",
    "position",
    "text",
    "quote",
    "quote_author",
    "parent_id",
    "reply_basis",
    "posted",
    "depth",
    "status",
    "text_key",
    "quote_key",
    "unreadable",
    "author_raw",
]


def save(connection: Connection, items: list[Comment], now: datetime) -> None:
    """Add new comments; refresh ones seen before (their first_seen stays)."""
    rows = [
        {
            "id": c.id,
            "article_id": c.article_id,
            "author": c.author,
            "position": c.position,
            "text": c.text,
            "quote": c.quote,
            "quote_author": c.quote_author,
            "parent_id": c.parent_id,
            "reply_basis": c.reply_basis and c.reply_basis.value,
            "posted": c.posted,
            "depth": c.depth,
            "status": c.status,
            "text_key": text_key(c.text),
            "quote_key": text_key(c.quote) if c.quote else None,
            "first_seen": now,
            "last_read": now,
            "unreadable": c.unreadable,
            "author_raw": c.author_raw,
        }
        for c in items
    ]
    upsert(connection, comments, rows, ["id"], _REFRESHED)


def existing_ids(connection: Connection, ids: list[str]) -> set[str]:
    """Which of these comment ids are already stored."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(connection.scalars(select(comments.c.id).where(comments.c.id.in_(chunk))))
    return found


def read_since(connection: Connection, ids: list[str], since: datetime) -> set[str]:
    """Which of these comment ids were stored from a reading at or after `since`."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(comments.c.id).where(comments.c.id.in_(chunk), comments.c.last_read >= since)
        found.update(connection.scalars(query))
    return found


def count(connection: Connection) -> int:
    """How many comments are stored."""
    return connection.scalar(select(func.count()).select_from(comments)) or 0


def first_ids_by_author(connection: Connection, authors: set[str] | None = None) -> dict[str, str]:
    """Each author's first stored comment (of these authors, or all): earliest seen, then
    earliest in its page."""
    order = func.row_number().over(
        partition_by=comments.c.author,
        order_by=(comments.c.first_seen, comments.c.position, comments.c.id),
    )
    ranked = select(comments.c.author, comments.c.id, order.label("n"))
    if authors is not None:
        ranked = ranked.where(comments.c.author.in_(sorted(authors)))
    ranked = ranked.subquery()
    query = select(ranked.c.author, ranked.c.id).where(ranked.c.n == 1)
    return {author: comment_id for author, comment_id in connection.execute(query)}


def get(connection: Connection, comment_id: str) -> dict | None:
    """One stored comment, or None."""
    row = connection.execute(select(comments).where(comments.c.id == comment_id)).first()
    return dict(row._mapping) if row else None


def replies(connection: Connection, comment_id: str) -> list[dict]:
    """The comments that answer this one, in page order."""
    query = select(comments).where(comments.c.parent_id == comment_id).order_by(comments.c.position)
    return [dict(row._mapping) for row in connection.execute(query)]


def by_author(
    connection: Connection, author: str, exclude: str | None = None, limit: int = 50
) -> list[dict]:
    """The author's comments with each one's state (as moderators or rules left it)."""
    from moderation.store.queue import STATE

    query = (
        select(
            comments.c.id,
            comments.c.text,
            comments.c.position,
            articles.c.title,
            STATE.label("state"),
        )
        .join(articles, articles.c.id == comments.c.article_id)
        .outerjoin(rule_decisions, rule_decisions.c.comment_id == comments.c.id)
        .outerjoin(review_states, review_states.c.comment_id == comments.c.id)
        .where(comments.c.author == author, comments.c.id != (exclude or ""))
        .order_by(comments.c.first_seen.desc(), comments.c.position)
        .limit(limit)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def lookup(connection: Connection, ids: set[str]) -> dict[str, Comment]:
    """Stored comments by id (parents of a batch that came in earlier batches)."""
    found: dict[str, Comment] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        rows = connection.execute(
            select(comments).where(comments.c.id.in_(wanted[start : start + 500]))
        )
        for row in rows:
            found[row.id] = Comment(
                id=row.id, article_id=row.article_id, author=row.author, position=row.position,
                text=row.text, quote=row.quote, quote_author=row.quote_author, parent_id=row.parent_id,
                reply_basis=ReplyBasis(row.reply_basis) if row.reply_basis else None, posted=row.posted,
                depth=row.depth, status=row.status, unreadable=row.unreadable, author_raw=row.author_raw,
            )  # fmt: skip
    return found


def keep_revisions(connection: Connection, items: list[Comment], now: datetime) -> set[str]:
    """Before comments are saved again: keep the earlier text and decision of each one whose
    text changed (an edit). Returns the ids of the comments already stored."""
    by_id = {c.id: c for c in items}
    query = (
        select(
            comments.c.id, comments.c.text, comments.c.quote, comments.c.text_key,
            rule_decisions.c.action, rule_decisions.c.rule_ids, rule_decisions.c.decided_at,
        )
        .outerjoin(rule_decisions, rule_decisions.c.comment_id == comments.c.id)
        .where(comments.c.id.in_(sorted(by_id)))
    )  # fmt: skip
    rows = connection.execute(query).all()
    changed = [
        {
            "comment_id": row.id,
            "text": row.text,
            "quote": row.quote,
            "action": row.action,
            "rule_ids": row.rule_ids or [],
            "decided_at": row.decided_at,
            "replaced_at": now,
        }
        for row in rows
        if row.text_key != text_key(by_id[row.id].text)
    ]
    if changed:
        connection.execute(comment_revisions.insert(), changed)
    return {row.id for row in rows}


def revisions(connection: Connection, comment_id: str) -> list[dict]:
    """A comment's earlier texts and the decisions on them, oldest first."""
    query = (
        select(comment_revisions)
        .where(comment_revisions.c.comment_id == comment_id)
        .order_by(comment_revisions.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def latest_by(connection: Connection, article_id: str, author: str) -> str | None:
    """The id of the author's latest comment on an article (the one an edit changes)."""
    query = (
        select(comments.c.id)
        .where(comments.c.article_id == article_id, comments.c.author == author)
        .order_by(comments.c.first_seen.desc(), comments.c.position.desc())
        .limit(1)
    )
    return connection.scalar(query)


def latest_with_text(connection: Connection, text: str) -> str | None:
    """The id of the latest stored comment with exactly this text."""
    query = (
        select(comments.c.id)
        .where(comments.c.text_key == text_key(text))
        .order_by(comments.c.first_seen.desc())
        .limit(1)
    )
    return connection.scalar(query)


# The FTS5 table (migration 0013), for counting a search's matches from it.
comments_fts = table("comments_fts", column("rowid"))


def fts_phrase(query: str) -> str:
    """The words as an FTS5 query: each one quoted, so that FTS5's own syntax (AND, NEAR,
    "*", column:) stays out of a search box."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def fts_match(query: str):
    """The condition on `comments_fts` that its row has every word of `query`."""
    return text("comments_fts MATCH :phrase").bindparams(phrase=fts_phrase(query))


def matching(connection: Connection, query: str):
    """A condition for reading a page in the queue's order: the comment's author or text
    has every word of `query` (FTS5 on SQLite, the tsvector GIN index on PostgreSQL; see
    migration 0013). On SQLite it is a condition on `comments`, on PostgreSQL on
    `rule_decisions`."""
    if connection.dialect.name == "postgresql":
        return pg_matching(connection, query)
    phrase = fts_phrase(query)
    matches = connection.scalar(
        text("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH :phrase"),
        {"phrase": phrase},
    )
    found = "(SELECT rowid FROM comments_fts WHERE comments_fts MATCH :phrase)"
    if matches <= READ_EACH_UP_TO:  # few: read each match, then sort them
        return text(f"comments.rowid IN {found}").bindparams(phrase=phrase)
    if matches <= LIST_UP_TO:
        # More: the queue's rows in order, each checked against the list of matches made
        # once, until the page is full (the unary + keeps SQLite from reading every match
        # first and sorting them all).
        return text(f"+comments.rowid IN {found}").bindparams(phrase=phrase)
    # A common word: making that list costs more than looking each queue row up in FTS5.
    return text(
        "EXISTS (SELECT 1 FROM comments_fts WHERE comments_fts MATCH :phrase "
        "AND comments_fts.rowid = comments.rowid)"
    ).bindparams(phrase=phrase)


# Measured on 100,000 comments (benchmarks/queue_page.py): a match read costs about 7 us,
# a queue row checked against a list about 1 us (plus 0.3 us a match to make the list),
# a queue row looked up in FTS5 about 30 us.
READ_EACH_UP_TO = 1000
LIST_UP_TO = 10_000


def pg_matching(connection: Connection, query: str, counting: bool = False):
    """The GIN index's matches as a set, kept apart (left in each row's own condition, the
    planner computed to_tsvector for every queue row). Few matches: the page is read from
    them. Many: the queue is read in order and each row looked up in the set, made once
    (the OR keeps PostgreSQL from joining every match first)."""
    from moderation.store.schema import rule_decisions

    found = comments.alias("found")
    vector = literal_column("to_tsvector('simple', found.author || ' ' || found.text)")
    plain = func.plainto_tsquery(literal_column("'simple'"), " ".join(query.split()))
    matches = select(found.c.id).where(vector.op("@@")(plain)).offset(0)
    within = rule_decisions.c.comment_id.in_(matches)
    planned = _planned_rows(connection, matches)
    if planned > LIST_UP_TO:  # a common word: each queue row's own text checked, in order
        own = matches.where(found.c.id == rule_decisions.c.comment_id)
        return exists(own)
    if counting or planned <= READ_EACH_UP_TO:
        return within
    return or_(within, literal_column("false"))


def _planned_rows(connection: Connection, query) -> float:
    """How many rows PostgreSQL expects the query to give (its statistics, not a count)."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}").scalar()
    return plan[0]["Plan"]["Plan Rows"]
