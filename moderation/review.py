"""What moderators see and do: queue items, decisions on one or many comments, undo.

The web UI and any other front end call these; the SQL is in `store.queue`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from moderation.core import Moderator
from moderation.store import Store
from moderation.store import authors as author_store
from moderation.store import comments as comment_store
from moderation.store import queue as queue_store
from moderation.store import reviews as review_store
from moderation.store.queue import Outcome, QueueFilter

ACTIONS = ("approve", "reject", "escalate")
REASONS = ("abuse", "hate", "spam", "off-topic", "harassment", "other")  # why, for a reject
MAX_NOTE = 500  # characters in a moderator's note, enforced here, not only in the form


FOLD_AT = 600  # characters: a longer comment is folded on its card until opened
_LINK = re.compile(r"\b(?:https?://|www\.)([^\s/?#()<>\"']+)", re.IGNORECASE)


def link_domains(text: str) -> list[str]:
    """The sites the text's links go to ("https://Spam.example/buy" -> "spam.example"), each
    once: the card shows them, since the words of a link ("here") say nothing of where."""
    found = (m.group(1).lower().rstrip(".,;:!").removeprefix("www.") for m in _LINK.finditer(text))
    return list(dict.fromkeys(d.rsplit("@", 1)[-1] for d in found if d))


@dataclass(frozen=True)
class Segment:
    """A piece of comment text, and whether a rule matched it."""

    text: str
    matched: bool


def highlight(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """The text cut into plain and matched pieces (overlapping spans merged)."""
    merged: list[list[int]] = []
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments, last = [], 0
    for start, end in merged:
        if start > last:
            segments.append(Segment(text[last:start], False))
        segments.append(Segment(text[start:end], True))
        last = end
    if last < len(text):
        segments.append(Segment(text[last:], False))
    return segments


@dataclass
class QueueItem:
    """One comment as the queue shows it."""

    row: dict
    text: list[Segment]
    quote: list[Segment]
    rules: list[dict]
    sentiment: dict[str, float]
    toxicity: dict[str, float]
    links: list[str] = field(default_factory=list)  # the sites its links go to, in order

    @property
    def long(self) -> bool:
        """Whether the card folds the text (a whole screen of it hides the next comments)."""
        return len(self.row["text"]) > FOLD_AT

    @classmethod
    def from_row(cls, row: dict) -> QueueItem:
        matches = row.get("matches") or []
        spans = {"text": [], "quote": []}
        for match in matches:
            if match.get("shadow"):
                continue
            for span in match.get("spans", []):
                spans[span.get("field", "text")].append((span["start"], span["end"]))
        return cls(
            row=row,
            text=highlight(row["text"], spans["text"]),
            quote=highlight(row["quote"], spans["quote"]) if row.get("quote") else [],
            rules=matches,
            sentiment=row.get("sentiment") or {},
            toxicity=row.get("toxicity") or {},
            links=link_domains(row["text"]),
        )


def queue(store: Store, wanted: QueueFilter) -> tuple[list[QueueItem], int, dict[str, int]]:
    """A page of the queue, how many the filter selects, and counts per state."""
    with store.transaction() as connection:
        rows = queue_store.page(connection, wanted)
        total = queue_store.total(connection, wanted)
        counts = queue_store.counts(connection)
    return [QueueItem.from_row(r) for r in rows], total, counts


def item(store: Store, comment_id: str) -> QueueItem | None:
    """One comment as a queue item, in whatever state it is."""
    with store.transaction() as connection:
        rows = queue_store.page(connection, QueueFilter(per_page=1), comment_id)
    return QueueItem.from_row(rows[0]) if rows else None


def decide(
    store: Store,
    seen: list[tuple[str, int | None]],
    moderator: str,
    action: str,
    note: str | None = None,
    reason: str | None = None,
) -> tuple[list[Outcome], dict[str, int]]:
    """Apply one action to each (comment id, review id seen) in one transaction.

    A comment someone else decided since it was seen is left alone and reported as such.
    A reject may say why: one of REASONS ("other" wants a note).
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if reason is not None and (action != "reject" or reason not in REASONS):
        raise ValueError(f"a reason goes with a reject and is one of {', '.join(REASONS)}")
    if reason == "other" and not (note or "").strip():
        raise ValueError("the reason 'other' wants a note saying what it is")
    if note is not None and len(note) > MAX_NOTE:
        raise ValueError(f"a note is at most {MAX_NOTE} characters")
    now = datetime.now(UTC)
    batch = uuid.uuid4().hex if len(seen) > 1 else None  # one undo takes back all of it
    with store.transaction(immediate=True) as connection:
        outcomes = [
            queue_store.decide(
                connection,
                comment_id,
                moderator,
                action,
                seen_id,
                now,
                note or None,
                reason,
                batch,
            )
            for comment_id, seen_id in seen
        ]
        counts = queue_store.counts(connection)
    return outcomes, counts


def undo(store: Store, moderator: str) -> tuple[list[Outcome], dict[str, int]]:
    """Take back the moderator's latest decision (all of a bulk one); empty if none."""
    with store.transaction(immediate=True) as connection:
        outcomes = queue_store.undo(connection, moderator, datetime.now(UTC))
        counts = queue_store.counts(connection)
    return outcomes, counts


@dataclass
class CommentPage:
    """Everything about one comment: thread, author's other comments, scores, rules, history."""

    item: QueueItem
    stored: object
    parent: dict | None
    replies: list[dict]
    by_author: list[dict]
    history: list[dict]
    trace: list = field(default_factory=list)
    revisions: list[dict] = field(default_factory=list)  # earlier texts, if it was edited


def comment_page(moderator: Moderator, comment_id: str) -> CommentPage | None:
    """The comment page's contents; None if there is no such comment."""
    store = moderator.store
    found = item(store, comment_id)
    if found is None:
        return None
    explained = moderator.explain(comment_id)
    with store.transaction() as connection:
        parent = (
            comment_store.get(connection, found.row["parent_id"])
            if found.row.get("parent_id")
            else None
        )
        replies = comment_store.replies(connection, comment_id)
        others = comment_store.by_author(connection, found.row["author"], exclude=comment_id)
        history = review_store.history(connection, comment_id)
        revisions = comment_store.revisions(connection, comment_id)
    stored, trace = (explained.stored, explained.trace) if explained else (None, [])
    return CommentPage(found, stored, parent, replies, others, history, trace, revisions)


@dataclass
class AuthorPage:
    """An author as the drawer shows them: record, standing, comments, moderators' steps."""

    name: str
    record: dict
    standing: dict | None  # the latest premoderate or ban, None when in the clear
    comments: list[dict]
    steps: list[dict]


def author_page(store: Store, author: str) -> AuthorPage:
    """The author's record, standing, latest comments with their states, and history."""
    with store.transaction() as connection:
        record = author_store.record(connection, author)
        standing = author_store.standing(connection, {author}).get(author)
        comments = comment_store.by_author(connection, author, limit=100)
        steps = author_store.history(connection, author)
    return AuthorPage(author, record, standing, comments, steps)


def set_standing(store: Store, author: str, action: str, moderator: str, note: str | None) -> None:
    """Hold the author's new comments for review, ban them, or clear either (audited)."""
    if note is not None and len(note) > MAX_NOTE:
        raise ValueError(f"a note is at most {MAX_NOTE} characters")
    with store.transaction(immediate=True) as connection:
        if not author_store.record(connection, author)["comments"]:
            raise ValueError(f"no comments by '{author}' in the store")
        author_store.set_standing(
            connection, author, action, moderator, datetime.now(UTC), note or None
        )


def reject_pending(
    store: Store, author: str, moderator: str, reason: str | None = None, note: str | None = None
) -> tuple[list[Outcome], dict[str, int]]:
    """Reject every comment of the author waiting in the queue, as one bulk decision."""
    with store.transaction() as connection:
        seen = author_store.pending(connection, author)
        counts = queue_store.counts(connection)
    if not seen:
        return [], counts
    return decide(store, seen, moderator, "reject", note, reason)


@dataclass
class Thread:
    """Where a comment stands in its thread: the chain of parents, oldest first, the other
    replies to its parent, and its own replies; each with its state."""

    parents: list[dict]
    siblings: list[dict]
    replies: list[dict]


MAX_PARENTS = 6  # of a deep thread, the nearest parents
MAX_SIBLINGS = 10


def thread(store: Store, comment_id: str) -> Thread | None:
    """The comment's thread around it; None if there is no such comment."""
    with store.transaction() as connection:
        found = comment_store.get(connection, comment_id)
        if found is None:
            return None
        parents, above = [], found.get("parent_id")
        while above and len(parents) < MAX_PARENTS:
            parent = comment_store.get(connection, above)
            if parent is None or parent["id"] == comment_id:
                break
            parents.insert(0, parent)
            above = parent.get("parent_id")
        siblings = (
            [
                c
                for c in comment_store.replies(connection, found["parent_id"])
                if c["id"] != comment_id
            ]
            if found.get("parent_id")
            else []
        )[:MAX_SIBLINGS]
        replies = comment_store.replies(connection, comment_id)[:MAX_SIBLINGS]
        shown = [c["id"] for c in (*parents, *siblings, *replies)]
        states = queue_store.states(connection, shown)
    for comment in (*parents, *siblings, *replies):
        comment["state"] = states.get(comment["id"], "published")
    return Thread(parents, siblings, replies)


def changes(store: Store, after: int) -> tuple[list[dict], int, dict[str, int]]:
    """Decisions made since review `after`, the newest review's id, and counts per state."""
    with store.transaction() as connection:
        found = queue_store.changes(connection, after)
        latest = queue_store.latest_review(connection)
        counts = queue_store.counts(connection)
    return found, (found[-1]["id"] if found else max(after, latest)), counts


def latest_review(store: Store) -> int:
    """The newest review's id: where a page's live updates start."""
    with store.transaction() as connection:
        return queue_store.latest_review(connection)
