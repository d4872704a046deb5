"""What rules know about a comment beyond its own text and scores: thread, author, article.

Facts that cannot be known (no moderator history in the store, no publication time) are
None, and a condition that needs one reports it as missing instead of quietly failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from moderation.records import Article, Comment


@dataclass(frozen=True)
class Context:
    """Facts about a comment's place in its thread, its author and its article."""

    parent_author: str | None = None
    back_and_forth: int = 0  # replies in a row between the same two authors, ending here
    author_rejections: int | None = None  # the author's comments moderators rejected
    first_comment: bool | None = None  # whether this is the author's first comment seen
    article_id: str | None = None
    section: str | None = None
    article_age_hours: float | None = None  # from publication to this comment
    author_standing: str | None = None  # "premoderate" or "ban" by a moderator, else None


NO_CONTEXT = Context()


@dataclass(frozen=True)
class AuthorHistory:
    """What the store knows of authors: rejected comments, and each one's first comment."""

    rejections: Mapping[str, int]
    first_comment_ids: Mapping[str, str]
    standing: Mapping[str, str] = field(default_factory=dict)  # "premoderate" or "ban"


def thread_contexts(
    comments: Iterable[Comment],
    articles: Mapping[str, Article],
    history: AuthorHistory | None,
    known: Mapping[str, Comment] | None = None,
) -> dict[str, Context]:
    """A context for each comment; `known` holds parents stored earlier, by id."""
    comments = list(comments)
    by_id = dict(known or {}) | {c.id: c for c in comments}
    first_seen: dict[str, str] = {}
    for comment in comments:  # in page order: the first one met is the author's first here
        first_seen.setdefault(comment.author, comment.id)
    contexts = {}
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        article = articles.get(comment.article_id)
        first_id = (
            history.first_comment_ids.get(comment.author) if history else None
        ) or first_seen[comment.author]
        contexts[comment.id] = Context(
            parent_author=parent.author if parent else None,
            back_and_forth=_back_and_forth(comment, by_id),
            author_rejections=history.rejections.get(comment.author, 0) if history else None,
            first_comment=first_id == comment.id if history else None,
            article_id=comment.article_id,
            section=article.section if article else None,
            article_age_hours=_age_hours(article.published if article else None, comment.posted),
            author_standing=history.standing.get(comment.author) if history else None,
        )
    return contexts


def _back_and_forth(comment: Comment, by_id: Mapping[str, Comment]) -> int:
    """How many replies in a row alternate between this author and the one they answer."""
    parent = by_id.get(comment.parent_id) if comment.parent_id else None
    if parent is None or parent.author == comment.author:
        return 0
    pair, count, current = {comment.author, parent.author}, 1, parent
    while current.parent_id and (above := by_id.get(current.parent_id)) is not None:
        if above.author not in pair or above.author == current.author:
            break
        count, current = count + 1, above
    return count


def _age_hours(published: str | None, posted: str | None) -> float | None:
    if not published or not posted:
        return None
    try:
        start, end = datetime.fromisoformat(published), datetime.fromisoformat(posted)
    except ValueError:  # "3 years ago" and other page-text times cannot be placed
        return None
    if (start.tzinfo is None) != (end.tzinfo is None):
        return None
    return (end - start).total_seconds() / 3600
