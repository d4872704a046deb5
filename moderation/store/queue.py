"""The review queue: each comment's state, moderators' decisions on it, and state counts.

A comment's state is what the latest review made it (`review_states`), or else what the
rules decided: hold -> held, flag -> awaiting, reject -> rejected; approved or unmatched
comments are published and never in the queue. Reviews are appended, never rewritten; a
decision is accepted only if the comment's latest review is still the one the moderator
saw, so two moderators can never silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import (
    Connection,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)  # fmt: skip

from moderation.store import comments as comment_store
from moderation.store.schema import (
    articles,
    comments,
    decision_rules,
    review_states,
    reviews,
    rule_decisions,
    scores,
    state_counts,
)

STATES = ("awaiting", "held", "escalated", "approved", "rejected")
OPEN = ("awaiting", "held")  # what the queue lists by default
MACHINE_STATE = {"flag": "awaiting", "hold": "held", "reject": "rejected"}
REVIEW_STATE = {"approve": "approved", "reject": "rejected", "escalate": "escalated"}
PER_PAGE = 25

_machine_state = case(MACHINE_STATE, value=rule_decisions.c.action, else_=literal("published"))
# A comment's state in SQL, for queries that join rule_decisions and review_states.
STATE = func.coalesce(review_states.c.state, _machine_state)
_state = STATE


@dataclass
class QueueFilter:
    """What the queue shows: states, rule, action, article, author, score range, page."""

    states: tuple[str, ...] = OPEN
    rule: str | None = None
    action: str | None = None
    article: str | None = None
    author: str | None = None
    search: str | None = None  # words the comment's text or author has
    min_score: float | None = None
    max_score: float | None = None
    page: int = 1
    per_page: int | None = PER_PAGE  # None: every match
    # Keyset pagination: the page after (or before) this row of the queue order, read from
    # an index however deep it is, where an OFFSET would walk every row before it.
    after: Cursor | None = None
    before: Cursor | None = None

    def by_state_only(self) -> bool:
        """Whether only states are asked for (the counts then give the total)."""
        return replace(self, page=1, per_page=PER_PAGE, after=None, before=None) == QueueFilter(
            states=self.states
        )


@dataclass(frozen=True)
class Cursor:
    """A place in the queue's order: the (priority, top score, comment id) of a row."""

    priority: int | None
    top_score: float | None
    comment_id: str

    def token(self) -> str:
        """The cursor as it travels in a URL (repr keeps the score's float exactly)."""
        show = lambda v: "" if v is None else repr(v)  # noqa: E731
        return f"{show(self.priority)}:{show(self.top_score)}:{self.comment_id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor of a URL's token; None if there is none or it is not one."""
        try:
            priority, top, comment_id = (token or "").split(":", 2)
            return cls(int(priority) if priority else None, float(top) if top else None, comment_id)
        except ValueError:
            return None

    @classmethod
    def of(cls, row: dict) -> Cursor:
        return cls(row["priority"], row["top_score"], row["id"])


def cursor_query(row: dict) -> str:
    """The query string of the queue page after this row (benchmarks, links)."""
    return "after=" + quote(Cursor.of(row).token())


@dataclass
class Outcome:
    """What happened to a decision: done, or refused because someone else got there first."""

    ok: bool
    comment_id: str
    state: str
    review_id: int | None = None
    decided_by: str | None = None  # who made the comment's latest decision
    message: str = ""
    undone: list[str] = field(default_factory=list)


def counts(connection: Connection) -> dict[str, int]:
    """Comments in each state."""
    found = dict(connection.execute(select(state_counts.c.state, state_counts.c.count)).all())
    return {state: found.get(state, 0) for state in STATES}


def refresh_counts(connection: Connection) -> None:
    """Recount every state from scratch (after a scoring run)."""
    found = [{"state": s, "count": n} for s, n in recount(connection).items() if n]
    connection.execute(state_counts.delete())
    if found:
        connection.execute(state_counts.insert(), found)


def recount(connection: Connection) -> dict[str, int]:
    """Comments in each state, counted from the rows (what `counts` keeps)."""
    # Not labelled "state": SQLite would group by the review_states.state column instead.
    effective = _state.label("effective_state")
    query = (
        select(effective, func.count())
        .select_from(
            rule_decisions.outerjoin(
                review_states, review_states.c.comment_id == rule_decisions.c.comment_id
            )
        )
        .group_by(effective)
    )
    found = dict(connection.execute(query).all())
    return {state: found.get(state, 0) for state in STATES}


def states(connection: Connection, ids: list[str]) -> dict[str, str]:
    """The state of each of these comments (published when nothing holds it)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(comments.c.id, _state)
            .select_from(
                comments.outerjoin(
                    rule_decisions, rule_decisions.c.comment_id == comments.c.id
                ).outerjoin(review_states, review_states.c.comment_id == comments.c.id)
            )
            .where(comments.c.id.in_(ids[start : start + 500]))
        )
        found.update(dict(connection.execute(query).all()))
    return found


def move_counts(connection: Connection, before: dict[str, str], after: dict[str, str]) -> None:
    """Keep the state counts right after comments went from the `before` to `after` states."""
    for comment_id, state in after.items():
        was = before.get(comment_id, "published")
        if was != state:
            _move_count(connection, was, state)


def page(connection: Connection, wanted: QueueFilter, comment_id: str | None = None) -> list[dict]:
    """One page of the queue: highest priority first, then highest toxicity.

    With `comment_id`, just that comment, whatever its state. Two steps: the page's ids,
    from the tables the filter needs (an index gives the order, the page stops the read),
    then everything shown about those few comments.
    """
    if comment_id is not None:
        ids = [comment_id]
    else:
        ids = [row[0] for row in connection.execute(_page_ids(connection, wanted))]
        if wanted.before is not None:
            ids.reverse()
    if not ids:
        return []
    tox, sent = scores.alias("tox"), scores.alias("sent")
    query = (
        select(
            comments.c.id,
            comments.c.author,
            comments.c.author_raw,
            comments.c.status,
            comments.c.text,
            comments.c.quote,
            comments.c.quote_author,
            comments.c.position,
            comments.c.posted,
            comments.c.depth,
            comments.c.parent_id,
            articles.c.id.label("article_id"),
            articles.c.title,
            rule_decisions.c.action,
            rule_decisions.c.priority,
            rule_decisions.c.top_score,
            rule_decisions.c.rule_ids,
            rule_decisions.c.matches,
            rule_decisions.c.toxicity_model,
            _state.label("state"),
            review_states.c.review_id,
            tox.c.labels.label("toxicity"),
            sent.c.labels.label("sentiment"),
        )
        .select_from(
            rule_decisions.join(comments, comments.c.id == rule_decisions.c.comment_id)
            .join(articles, articles.c.id == comments.c.article_id)
            .outerjoin(review_states, review_states.c.comment_id == rule_decisions.c.comment_id)
            .outerjoin(
                tox,
                and_(
                    tox.c.text_key == comments.c.text_key,
                    tox.c.model == rule_decisions.c.toxicity_model,
                ),
            )
            .outerjoin(
                sent,
                and_(
                    sent.c.text_key == comments.c.text_key,
                    sent.c.model == rule_decisions.c.sentiment_model,
                ),
            )
        )
        .where(rule_decisions.c.comment_id.in_(ids))
    )
    found = {row.id: dict(row._mapping) for row in connection.execute(query)}
    return [found[i] for i in ids if i in found]


def _page_ids(connection: Connection, wanted: QueueFilter):
    """The ids of the page's comments, in the queue's order (reversed for `before`)."""
    dialect = connection.dialect.name
    backwards = wanted.before is not None
    columns = (rule_decisions.c.comment_id, rule_decisions.c.priority, rule_decisions.c.top_score)

    def read(in_order: bool):
        query = (
            select(*columns)
            .select_from(_filtered(wanted, dialect))
            .where(*_conditions(wanted, connection, in_order=in_order))
        )
        if not in_order:
            return query
        query = query.order_by(*_queue_order(dialect, backwards))
        return query.limit(wanted.per_page) if wanted.per_page is not None else query

    cursor = wanted.before or wanted.after
    if cursor is None:
        query = read(in_order=True)
        if wanted.per_page is not None:
            query = query.offset((max(wanted.page, 1) - 1) * wanted.per_page)
        return query
    # Each term of the keyset condition a query of its own: the row-value term seeks in
    # the order's index; OR-ed with the NULL terms, both databases read from the start.
    terms = _beyond(cursor, backwards)
    if len(terms) == 1:
        return read(in_order=True).where(terms[0][0])
    # Rows without a priority (no rule matched: reviewed from their own page) are few in
    # any state but "published": read as the state's index gives them, then ordered below.
    parts = [select(*read(in_order).where(term).subquery().c) for term, in_order in terms]
    merged = union_all(*parts).subquery()
    ordered = select(merged.c.comment_id).order_by(
        *_queue_order(
            dialect, backwards, (merged.c.priority, merged.c.top_score, merged.c.comment_id)
        )
    )
    return ordered.limit(wanted.per_page) if wanted.per_page is not None else ordered


def _filtered(wanted: QueueFilter, dialect: str, counting: bool = False):
    """rule_decisions with the tables the filter reads: comments only for an author,
    article or search; counting a rule's comments, from that rule's rows."""
    joined = rule_decisions
    searching = bool(wanted.search and wanted.search.split())
    if counting and _counted_from_fts(wanted, dialect):
        # Counted from the matches as FTS5 gives them, stopping at the limit; a list of
        # every match would be made first.
        fts = comment_store.comments_fts
        return fts.join(comments, literal_column("comments.rowid") == fts.c.rowid).join(
            rule_decisions, rule_decisions.c.comment_id == comments.c.id
        )
    if wanted.rule and counting:
        joined = decision_rules.join(
            rule_decisions, rule_decisions.c.comment_id == decision_rules.c.comment_id
        )
    if wanted.author or wanted.article or (searching and dialect == "sqlite"):
        joined = joined.join(comments, comments.c.id == rule_decisions.c.comment_id)
    return joined


def _counted_from_fts(wanted: QueueFilter, dialect: str) -> bool:
    """Whether a count starts from the FTS5 table's matches (a search, on SQLite)."""
    return bool(wanted.search and wanted.search.split()) and dialect == "sqlite"


def _queue_order(dialect: str, backwards: bool = False, columns: tuple | None = None) -> list:
    """Highest priority first, then highest toxicity, unscored last, then by id; the same
    order on both databases (PostgreSQL puts NULL first in a descending order unless told
    otherwise; its index for this order is made by migration 0017). `backwards`: the
    reverse, for the page before a cursor. `columns`: the three, from a subquery."""
    priority, top, key = columns or (
        rule_decisions.c.priority, rule_decisions.c.top_score, rule_decisions.c.comment_id,
    )  # fmt: skip
    if backwards:
        order = [priority.asc(), top.asc()]
        order = [o.nulls_first() for o in order] if dialect == "postgresql" else order
        return [*order, key.asc()]
    order = [priority.desc(), top.desc()]
    order = [o.nulls_last() for o in order] if dialect == "postgresql" else order
    return [*order, key.desc()]  # ids are never NULL: as the index has them


def _beyond(cursor: Cursor, backwards: bool) -> list[tuple]:
    """Rows after the cursor in the queue's order (before it, `backwards`), as terms any
    of which holds, each with whether it is read in the queue's order.

    The order is priority, then top score, then id, each highest first, with no priority
    or no score last. Where the cursor has both values, the main term is one row-value
    comparison an index can seek to; the NULL rows are added by terms of their own.
    """
    priority, top, key = (
        rule_decisions.c.priority, rule_decisions.c.top_score, rule_decisions.c.comment_id,
    )  # fmt: skip
    p, t, i = cursor.priority, cursor.top_score, cursor.comment_id
    if backwards:  # earlier: a higher place, or the same priority and an earlier tail
        if p is None:
            return [
                (priority.is_not(None), True),
                (and_(priority.is_(None), _tail(top, key, t, i, True)), False),
            ]
        if t is None:
            return [(priority > p, True), (and_(priority == p, _tail(top, key, t, i, True)), True)]
        return [(tuple_(priority, top, key) > tuple_(literal(p), literal(t), literal(i)), True)]
    if p is None:
        return [(and_(priority.is_(None), _tail(top, key, t, i, False)), True)]
    if t is None:
        return [
            (priority < p, True),
            (priority.is_(None), False),
            (and_(priority == p, _tail(top, key, t, i, False)), True),
        ]
    return [
        (tuple_(priority, top, key) < tuple_(literal(p), literal(t), literal(i)), True),
        (and_(priority == p, top.is_(None)), True),
        (priority.is_(None), False),
    ]


def _tail(top, key, t, i, backwards: bool):
    """Among rows of one priority: beyond (t, i) in the order top score highest first
    (none last), then id highest first; before it, `backwards`."""
    if backwards:
        if t is None:
            return or_(top.is_not(None), key > i)
        return tuple_(top, key) > tuple_(literal(t), literal(i))
    if t is None:
        return and_(top.is_(None), key < i)
    return or_(tuple_(top, key) < tuple_(literal(t), literal(i)), top.is_(None))


def flagged(connection: Connection, limit: int | None = None) -> list[dict]:
    """Every comment the rules held, flagged or rejected, whatever moderators did since."""
    return page(connection, QueueFilter(states=STATES, per_page=limit))


COUNT_UP_TO = 1000  # a filter's total is counted this far; beyond it, "more than"
SEARCH_COUNT_UP_TO = 100  # a search's matches are costlier to count: this far


def count_limit(wanted: QueueFilter) -> int:
    """How far the filter's total is counted: beyond it the queue says "more than"."""
    return SEARCH_COUNT_UP_TO if wanted.search and wanted.search.split() else COUNT_UP_TO


def total(connection: Connection, wanted: QueueFilter) -> int:
    """How many comments the filter selects (from the counts when it is only by state).
    A filtered total stops one past `count_limit`: counting every match of a broad filter in
    a large store costs more than the page itself, and "more than 1,000" says enough."""
    if wanted.by_state_only():
        by_state = counts(connection)
        return sum(by_state[s] for s in wanted.states)
    matches = (
        select(literal(1))
        .select_from(_filtered(wanted, connection.dialect.name, counting=True))
        .where(*_conditions(wanted, connection, counting=True))
        .limit(count_limit(wanted) + 1)
        .subquery()
    )
    return connection.scalar(select(func.count()).select_from(matches)) or 0


def _conditions(
    wanted: QueueFilter, connection: Connection, counting: bool = False, in_order: bool = True
) -> list:
    """The filter as SQL conditions; `counting`: shaped for counting every match, not for
    reading the first few in the queue's order."""
    state = rule_decisions.c.state
    if in_order and not counting and connection.dialect.name == "sqlite":
        # Read in the queue's order: SQLite, without statistics, would take the state's
        # index and sort every open comment; "|| ''" leaves it the order's index.
        state = state.concat("")
    conditions = [state.in_(wanted.states)]
    from_fts = counting and _counted_from_fts(wanted, connection.dialect.name)
    if wanted.rule and counting and not from_fts:  # counted from the rule's rows (_filtered)
        conditions.append(decision_rules.c.rule_id == wanted.rule)
    elif wanted.rule:  # a page: rows in queue order, each tested, until the page is full
        conditions.append(
            exists().where(
                decision_rules.c.comment_id == rule_decisions.c.comment_id,
                decision_rules.c.rule_id == wanted.rule,
            )
        )
    if wanted.action:
        conditions.append(rule_decisions.c.action == wanted.action)
    if wanted.article:  # its id, or words of its title (any case): the articles first
        conditions.append(comments.c.article_id.in_(_articles(connection, wanted.article)))
    if wanted.author:  # names are compared without case, as logins are
        conditions.append(func.lower(comments.c.author) == wanted.author.lower())
    if wanted.search and wanted.search.split():
        if from_fts:  # counted from FTS5's matches (see _filtered)
            conditions.append(comment_store.fts_match(wanted.search))
        elif counting and connection.dialect.name == "postgresql":
            conditions.append(comment_store.pg_matching(connection, wanted.search, counting=True))
        else:
            conditions.append(comment_store.matching(connection, wanted.search))
    if wanted.min_score is not None:
        conditions.append(rule_decisions.c.top_score >= wanted.min_score)
    if wanted.max_score is not None:
        conditions.append(rule_decisions.c.top_score <= wanted.max_score)
    return conditions


def current(connection: Connection, comment_id: str) -> tuple[str, int | None, str | None] | None:
    """(state, latest review id, who made it) of a comment; None if it is not stored."""
    query = (
        select(_state, review_states.c.review_id, reviews.c.moderator)
        .select_from(
            rule_decisions.outerjoin(
                review_states, review_states.c.comment_id == rule_decisions.c.comment_id
            ).outerjoin(reviews, reviews.c.id == review_states.c.review_id)
        )
        .where(rule_decisions.c.comment_id == comment_id)
    )
    row = connection.execute(query).first()
    return tuple(row) if row else None


def decide(
    connection: Connection,
    comment_id: str,
    moderator: str,
    action: str,
    seen_review_id: int | None,
    now: datetime,
    note: str | None = None,
    reason: str | None = None,
    batch: str | None = None,
) -> Outcome:
    """Record a moderator's decision, unless the comment changed since they saw it.

    The check is the write itself: the comment's state moves only if its latest review is
    still the one the moderator saw (a conditional UPDATE, or an INSERT that yields to one
    made first), so of two decisions at once on any database exactly one wins, and the
    other is told who decided.
    """
    found = current(connection, comment_id)
    if found is None:
        return Outcome(
            False, comment_id, "unknown", message=f"no comment '{comment_id}' in the store"
        )
    state, latest, by = found
    if latest == seen_review_id:
        new_state = REVIEW_STATE[action]
        review_id = _append(
            connection, comment_id, moderator, action, note, state, new_state, now, latest,
            reason=reason, batch=batch,
        )  # fmt: skip
        if review_id is not None:
            return Outcome(True, comment_id, new_state, review_id, moderator)
        state, latest, by = current(connection, comment_id)  # another decision came first
    return Outcome(False, comment_id, state, latest, by, f"already decided by {by}: now {state}")


def undo(connection: Connection, moderator: str, now: datetime) -> list[Outcome]:
    """Take back the moderator's latest decision not yet taken back: every comment of it,
    when it was a bulk decision. Empty when there is nothing to take back."""
    undone = select(reviews.c.undoes).where(reviews.c.undoes.is_not(None))
    query = (
        select(reviews)
        .where(
            reviews.c.moderator == moderator,
            reviews.c.action != "undo",
            reviews.c.id.not_in(undone),
        )
        .order_by(reviews.c.id.desc())
    )
    last = connection.execute(query.limit(1)).first()
    if last is None:
        return []
    together = (
        connection.execute(query.where(reviews.c.batch == last.batch)).all()
        if last.batch
        else [last]
    )
    return [_take_back(connection, review, moderator, now) for review in together]


def _take_back(connection: Connection, review, moderator: str, now: datetime) -> Outcome:
    state, latest, by = current(connection, review.comment_id)
    if latest == review.id:
        restored = review.previous_state
        review_id = _append(
            connection, review.comment_id, moderator, "undo", None, state, restored, now,
            review.id, undoes=review.id,
        )  # fmt: skip
        if review_id is not None:
            return Outcome(True, review.comment_id, restored, review_id, moderator)
        state, latest, by = current(connection, review.comment_id)
    return Outcome(
        False, review.comment_id, state, latest, by, f"changed since by {by}: now {state}"
    )


def _append(
    connection, comment_id, moderator, action, note, previous, new_state, now, seen, undoes=None,
    reason=None, batch=None,
) -> int | None:  # fmt: skip
    """Append the review and point the comment's state at it, if its latest review is still
    `seen`; else write nothing (the savepoint takes the review back: no DELETE on an
    append-only table) and return None."""
    with connection.begin_nested() as savepoint:
        review_id = connection.execute(
            reviews.insert().values(
                comment_id=comment_id, moderator=moderator, action=action, note=note,
                previous_state=previous, new_state=new_state, created_at=now, undoes=undoes,
                reason=reason, batch=batch,
            )
        ).inserted_primary_key[0]  # fmt: skip
        if seen is None:  # never reviewed: the first state row wins, a later one yields
            claim = _insert_once(connection.dialect.name).values(
                comment_id=comment_id, state=new_state, review_id=review_id
            )
        else:
            claim = (
                review_states.update()
                .where(review_states.c.comment_id == comment_id, review_states.c.review_id == seen)
                .values(state=new_state, review_id=review_id)
            )
        # RETURNING, not rowcount: psycopg reports no count for an INSERT that may do nothing
        if connection.execute(claim.returning(review_states.c.review_id)).first() is None:
            savepoint.rollback()
            return None
    connection.execute(  # the state the queue filters on, kept with the review
        rule_decisions.update()
        .where(rule_decisions.c.comment_id == comment_id)
        .values(state=new_state)
    )
    _move_count(connection, previous, new_state)
    return review_id


def _insert_once(dialect: str):
    """INSERT INTO review_states that does nothing where the comment already has a row."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(review_states).on_conflict_do_nothing(index_elements=["comment_id"])


def _move_count(connection: Connection, old: str, new: str) -> None:
    for state, change in ((old, -1), (new, 1)):
        if state not in STATES:
            continue
        updated = connection.execute(
            state_counts.update()
            .where(state_counts.c.state == state)
            .values(count=state_counts.c.count + change)
        )
        if updated.rowcount == 0:
            connection.execute(state_counts.insert().values(state=state, count=max(change, 0)))


def audit(connection: Connection, moderator: str | None = None, action: str | None = None,
          comment_id: str | None = None, limit: int | None = 500) -> list[dict]:  # fmt: skip
    """Reviews newest first, with the comment's author and text, optionally filtered."""
    query = (
        select(reviews, comments.c.author, comments.c.text)
        .join(comments, comments.c.id == reviews.c.comment_id)
        .order_by(reviews.c.id.desc())
        .limit(limit)
    )
    if moderator:
        query = query.where(reviews.c.moderator == moderator)
    if action:
        query = query.where(reviews.c.action == action)
    if comment_id:
        query = query.where(reviews.c.comment_id == comment_id)
    return [dict(row._mapping) for row in connection.execute(query)]


def changes(connection: Connection, after: int, limit: int = 500) -> list[dict]:
    """Reviews made after review `after`, oldest first: what other moderators did since a
    page was shown (the queue polls for these)."""
    query = (
        select(reviews.c.id, reviews.c.comment_id, reviews.c.moderator, reviews.c.action,
               reviews.c.new_state)
        .where(reviews.c.id > after)
        .order_by(reviews.c.id)
        .limit(limit)
    )  # fmt: skip
    return [dict(row._mapping) for row in connection.execute(query)]


def latest_review(connection: Connection) -> int:
    """The newest review's id (0 before the first)."""
    return connection.scalar(select(func.max(reviews.c.id))) or 0


def _articles(connection: Connection, wanted: str) -> list[str]:
    """The ids of the articles whose id is `wanted` or whose title has it, in any case."""
    query = select(articles.c.id).where(
        or_(
            articles.c.id == wanted,
            func.lower(articles.c.title).contains(wanted.lower(), autoescape=True),
        )
    )
    return [row[0] for row in connection.execute(query)]
