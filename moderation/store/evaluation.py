"""Stored comments read back as rule subjects: for previews of a rule change and explanations.

Each comment comes with the scores of the models its latest decision used (so nothing is
rescored), its thread and author context, and the moderators' latest decision on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from moderation.records import Article, Comment, ReplyBasis, Scores, ScoreSet, text_key
from moderation.rules.context import AuthorHistory, Context, thread_contexts
from moderation.store import authors as author_store
from moderation.store import comments as comment_store
from moderation.store import reviews as review_store
from moderation.store import scores as score_store
from moderation.store.schema import articles, comments, rule_decisions


@dataclass(frozen=True)
class StoredComment:
    """A stored comment with everything rules look at, and what moderators decided."""

    comment: Comment
    scores: Scores
    context: Context
    review: str | None  # the state moderators left it in (approved, rejected, ...), if any


Variants = Callable[[str], dict[str, str]]  # a text -> its other forms (RuleSet.reading.variants)


def load_stored(
    connection: Connection, article_id: str | None = None, variants: Variants | None = None
) -> list[StoredComment]:
    """Every scored comment (or those of one article), in article and page order.

    With `variants`, each comment also gets the cached scores of its other forms (its
    identity-neutral and de-obfuscated texts), where the model scored them.
    """
    query = (
        select(comments, rule_decisions.c.sentiment_model, rule_decisions.c.toxicity_model)
        .join(rule_decisions, rule_decisions.c.comment_id == comments.c.id)
        .order_by(comments.c.article_id, comments.c.position)
    )
    if article_id is not None:
        query = query.where(comments.c.article_id == article_id)
    rows = connection.execute(query).all()
    forms = {r.id: variants(r.text) for r in rows if r.text} if variants else {}
    form_keys = {t: text_key(t) for found in forms.values() for t in found.values()}
    keys = [k for r in rows for k in (r.text_key, r.quote_key) if k] + list(form_keys.values())
    labels = {
        (key, model): values
        for model in {m for r in rows for m in (r.sentiment_model, r.toxicity_model)}
        for key, values in score_store.known(connection, keys, model).items()
    }
    stored_articles = _articles(connection, {r.article_id for r in rows})
    loaded = [(_comment(r), r) for r in rows]
    # One article (a comment page): only its authors' history; a whole-store preview: all.
    authors = {r.author for r in rows} if article_id is not None else None
    history = AuthorHistory(
        review_store.rejections_by_author(connection, authors),
        comment_store.first_ids_by_author(connection, authors),
        {a: s["action"] for a, s in author_store.standing(connection, authors).items()},
    )
    contexts = thread_contexts([c for c, _ in loaded], stored_articles, history)
    reviewed = review_store.reviewed_states(connection)
    return [
        StoredComment(
            comment,
            _scores(row, labels, {n: form_keys[t] for n, t in forms.get(row.id, {}).items()}),
            contexts[comment.id],
            reviewed.get(comment.id),
        )
        for comment, row in loaded
    ]


def _comment(row) -> Comment:
    return Comment(
        id=row.id, article_id=row.article_id, author=row.author, position=row.position,
        text=row.text, quote=row.quote, quote_author=row.quote_author, parent_id=row.parent_id,
        reply_basis=ReplyBasis(row.reply_basis) if row.reply_basis else None, posted=row.posted,
        depth=row.depth, status=row.status, unreadable=row.unreadable, author_raw=row.author_raw,
    )  # fmt: skip


def _scores(row, labels: dict[tuple[str, str], dict], forms: dict[str, str]) -> Scores:
    def score_set(model: str, key: str | None) -> ScoreSet | None:
        return ScoreSet(model, labels.get((key, model), {})) if key else None

    def form(key: str) -> ScoreSet | None:  # None: not scored when the comment was
        found = labels.get((key, row.toxicity_model))
        return ScoreSet(row.toxicity_model, found) if found is not None else None

    return Scores(
        variants={name: form(key) for name, key in forms.items()},
        sentiment=score_set(row.sentiment_model, row.text_key),
        toxicity=score_set(row.toxicity_model, row.text_key),
        quote_sentiment=score_set(row.sentiment_model, row.quote_key),
        quote_toxicity=score_set(row.toxicity_model, row.quote_key),
    )


def _articles(connection: Connection, ids: set[str]) -> dict[str, Article]:
    query = select(articles).where(articles.c.id.in_(ids))
    return {
        row.id: Article(row.id, row.source, row.title, row.byline, row.section, row.published)
        for row in connection.execute(query)
    }


def find_stored(
    connection: Connection, comment_id: str, variants: Variants | None = None
) -> StoredComment | None:
    """One scored comment, with its thread around it for context; None if there is none."""
    article_id = connection.scalar(select(comments.c.article_id).where(comments.c.id == comment_id))
    if article_id is None:
        return None
    return next(
        (s for s in load_stored(connection, article_id, variants) if s.comment.id == comment_id),
        None,
    )
