"""The scoring core: score comments given as values and decide them by the rules.

Every front end calls this: `moderation score` (through the pipeline), `explain`, the
review UI and the live endpoints (Perspective-compatible, Coral phase). It needs no files
and no database. Given a store, it reads thread context, author history and cached scores
from it, and caches there the scores it computes; `record` writes comments and decisions.

    moderator = Moderator.from_settings(load_settings())
    result = moderator.moderate("You are an idiot.")
    result.decision.action, result.scores.toxicity.labels

The toxicity model loads once, on the first text that needs it. Texts from concurrent
callers are scored together (`moderation.batching`), so twenty requests at once cost
about one batch.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from moderation.batching import Batcher
from moderation.records import Article, Comment, Decision, Scores, ScoreSet, stable_id, text_key
from moderation.rules import RuleSet, load_rules
from moderation.rules.conditions import Evidence
from moderation.rules.context import AuthorHistory, Context, thread_contexts
from moderation.rules.engine import Rule
from moderation.scoring import TextScorer
from moderation.scoring.sentiment import VaderScorer
from moderation.settings import Settings
from moderation.store import Store
from moderation.store import articles as article_store
from moderation.store import authors as author_store
from moderation.store import comments as comment_store
from moderation.store import decisions as decision_store
from moderation.store import queue as queue_store
from moderation.store import reviews as review_store
from moderation.store import scores as score_store
from moderation.store.evaluation import StoredComment, find_stored

logger = logging.getLogger(__name__)

BATCH_WAIT = 0.005  # seconds a live request waits for others to share its model batch
MAX_BATCH = 512  # texts in one shared batch
FLUSH_AFTER = 0.05  # seconds new scores wait to be written to the store with others


@dataclass
class Moderated:
    """A comment with its scores (each with the model that produced it) and the decision."""

    comment: Comment
    scores: Scores
    decision: Decision
    title: str = ""  # of its article, where known


@dataclass
class Explained:
    """A stored comment decided afresh from its stored scores, with every rule's verdict."""

    stored: StoredComment
    decision: Decision
    trace: list[tuple[Rule, bool, list[Evidence]]]


class Moderator:
    """Rules, scorers and (optionally) a store: scores and decides comments."""

    def __init__(
        self,
        rules: RuleSet,
        open_toxicity: Callable[[], TextScorer],
        toxicity_id: str,
        store: Store | None = None,
        sentiment: TextScorer | None = None,
        batch_wait: float = BATCH_WAIT,
    ) -> None:
        self.rules = rules
        self.store = store
        self.sentiment = sentiment or VaderScorer()
        self._open_toxicity = open_toxicity
        self._expected_toxicity_id = toxicity_id
        self._toxicity: TextScorer | None = None
        self._load_lock = threading.Lock()
        self._batcher = Batcher(self._score_toxicity, batch_wait, MAX_BATCH)
        self.scored_texts = 0  # distinct texts sent to the toxicity model
        self._pending: dict[str, dict[str, dict[str, float]]] = {}  # scores not yet written
        self._pending_lock = threading.Lock()
        self._flusher: threading.Timer | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: Store | None = None,
        open_toxicity: Callable[[], TextScorer] | None = None,
        rules: RuleSet | None = None,
    ) -> Moderator:
        """A moderator with the configured rules and models (the model loads on first use)."""
        from moderation.scoring.toxicity import expected_model_id, open_toxicity_scorer

        return cls(
            rules or load_rules(settings.rules),
            open_toxicity or (lambda: open_toxicity_scorer(settings.toxicity)),
            expected_model_id(settings.toxicity),
            store,
            batch_wait=settings.live.batch_wait_ms / 1000,
        )

    @property
    def toxicity_id(self) -> str:
        """The toxicity model's id: the loaded one's, or the one it is expected to have."""
        return self._toxicity.model_id if self._toxicity else self._expected_toxicity_id

    @property
    def toxicity(self) -> TextScorer | None:
        """The toxicity scorer, if it has been loaded."""
        return self._toxicity

    @property
    def batches(self) -> int:
        """How many model batches have run."""
        return self._batcher.batches

    def load(self) -> TextScorer:
        """Load the toxicity model now (once per moderator); it may fall back to another."""
        with self._load_lock:
            if self._toxicity is None:
                self._toxicity = self._open_toxicity()
                # The model and its libraries are objects that live as long as the process:
                # moved out of the garbage collector's sight, its full collections (tens of
                # milliseconds, at random requests) no longer walk them.
                gc.freeze()
            return self._toxicity

    def close(self) -> None:
        """Write the scores not yet written, and stop the batching thread."""
        with self._pending_lock:
            if self._flusher is not None:
                self._flusher.cancel()
        self.flush()
        self._batcher.close()

    def moderate(
        self, comment: Comment | str, article: Article | None = None, author_history: bool = True
    ) -> Moderated:
        """Score and decide one comment (a bare text becomes a comment of its own)."""
        return self.moderate_many([comment], [article] if article else (), author_history)[0]

    def moderate_many(
        self,
        comments: Sequence[Comment | str],
        articles: Iterable[Article] = (),
        author_history: bool = True,
    ) -> list[Moderated]:
        """Score and decide comments, in order; replies see parents given with them.

        With a store, rules see thread context and (unless `author_history` is off, for
        comments whose author is unknown) what the store knows of each author.
        """
        items = [c if isinstance(c, Comment) else comment_of(c) for c in comments]
        if not items:
            return []
        by_id = {a.id: a for a in articles}
        keys = {t: text_key(t) for c in items for t in (c.text, c.quote) if t}  # each hashed once
        variants = {c.text: self.rules.reading.variants(c.text) for c in items if c.text}
        variant_keys = {t: text_key(t) for v in variants.values() for t in v.values()}
        labels = self.labels(
            {k: t for t, k in keys.items()}, also={k: t for t, k in variant_keys.items()}
        )
        keys |= variant_keys
        contexts = self._contexts(items, by_id, author_history)
        sentiment, toxicity = self.sentiment.model_id, self.toxicity_id

        def score_set(model: str, text: str | None) -> ScoreSet | None:
            return ScoreSet(model, labels[model][keys[text]]) if text else None

        results = []
        for comment in items:
            forms = variants.get(comment.text, {})
            scores = Scores(
                sentiment=score_set(sentiment, comment.text) or ScoreSet(sentiment, {}),
                toxicity=score_set(toxicity, comment.text) or ScoreSet(toxicity, {}),
                quote_sentiment=score_set(sentiment, comment.quote),
                quote_toxicity=score_set(toxicity, comment.quote),
                variants={name: score_set(toxicity, text) for name, text in forms.items()},
            )
            decision = self.rules.decide(comment, scores, contexts[comment.id])
            article = by_id.get(comment.article_id)
            results.append(Moderated(comment, scores, decision, article.title if article else ""))
        return results

    def toxicity_labels(self) -> tuple[str, ...]:
        """Every label the toxicity model gives (loads it if need be)."""
        return tuple(self.load().labels)

    def toxicity_of(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """The toxicity labels of each text (from the cache where it has them)."""
        keys = [text_key(t) for t in texts]
        labels = self.labels(dict(zip(keys, texts, strict=True)), sentiment=False)
        return [labels[self.toxicity_id][k] for k in keys]

    def labels(
        self,
        texts: Mapping[str, str],
        sentiment: bool = True,
        also: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, dict[str, float]]]:
        """model id -> text key -> labels, for texts by key: cached ones read, others scored.
        Texts in `also` get toxicity only (other forms of a text: rules/reading.py)."""
        sentiment_texts = texts
        texts = {**(also or {}), **texts}
        models = [self.sentiment.model_id] if sentiment else []
        fresh: dict[str, dict[str, dict[str, float]]] = {}
        self._batcher.announce()  # a batch being collected waits for these texts
        submitted = False
        try:
            found = self._cached(list(texts), [*models, self.toxicity_id])
            if len(found[self.toxicity_id]) < len(texts) and self._toxicity is None:
                loading = self._load_in_background()
                if sentiment:  # while the model loads
                    fresh[self.sentiment.model_id] = self._sentiment(sentiment_texts, found)
                loading.result()
                if self.toxicity_id not in found:  # it fell back: that model's cache applies
                    found |= self._cached(list(texts), [self.toxicity_id])
            missing = [k for k in texts if k not in found[self.toxicity_id]]
            pending = self._batcher.submit([texts[k] for k in missing], announced=True)
            submitted = True
        finally:
            if not submitted:
                self._batcher.withdraw()
        if sentiment and self.sentiment.model_id not in fresh:
            # in this thread, while the model works in the batcher's
            fresh[self.sentiment.model_id] = self._sentiment(sentiment_texts, found)
        fresh[self.toxicity_id] = dict(zip(missing, pending.result(), strict=True))
        self._cache(fresh)
        for model, new in fresh.items():
            found[model].update(new)
        return found

    def _sentiment(
        self, texts: Mapping[str, str], found: dict[str, dict]
    ) -> dict[str, dict[str, float]]:
        unscored = [k for k in texts if k not in found[self.sentiment.model_id]]
        return dict(zip(unscored, self.sentiment.score([texts[k] for k in unscored]), strict=True))

    def _load_in_background(self) -> Future:
        """Load the model in a thread of its own, so that other work goes on meanwhile."""
        loading: Future = Future()

        def run() -> None:
            try:
                loading.set_result(self.load())
            except BaseException as exc:  # raised again where the result is wanted
                loading.set_exception(exc)

        threading.Thread(target=run, name="model-load", daemon=True).start()
        return loading

    def explain(self, comment_id: str) -> Explained | None:
        """A stored comment decided by the current rules from its stored scores, and why."""
        if self.store is None:
            return None
        with self.store.transaction() as connection:
            stored = find_stored(connection, comment_id, self.rules.reading.variants)
        if stored is None:
            return None
        subject = self.rules.subject(stored.comment, stored.scores, stored.context)
        decision = self.rules.decide(stored.comment, stored.scores, stored.context)
        return Explained(stored, decision, self.rules.explain(subject))

    def record(self, results: Sequence[Moderated], articles: Iterable[Article] = ()) -> set[str]:
        """Store comments, their articles and decisions in one transaction; returns the ids
        that were new. A comment whose text changed keeps its earlier text and decision."""
        if self.store is None:
            raise ValueError("this moderator has no store")
        now = datetime.now(UTC)
        ids = [r.comment.id for r in results]
        # Immediate: it reads states and then writes; a deferred transaction that another
        # writer overtook in between could only fail ("database is locked") on SQLite.
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        with self.store.transaction(immediate=True) as connection:
            self._write_scores(connection, pending)
            before = queue_store.states(connection, ids)
            article_store.save(connection, list(articles), now)
            seen = comment_store.keep_revisions(connection, [r.comment for r in results], now)
            comment_store.save(connection, [r.comment for r in results], now)
            by_models: dict[tuple[str, str], list] = {}
            for r in results:
                top = max(r.scores.toxicity.labels.values(), default=None)
                models = (r.scores.sentiment.model, r.scores.toxicity.model)
                by_models.setdefault(models, []).append((r.comment.id, r.decision, top))
            for (sentiment, toxicity), decided in by_models.items():
                decision_store.record(connection, decided, sentiment, toxicity, now)
            queue_store.move_counts(connection, before, queue_store.states(connection, ids))
        return {r.comment.id for r in results} - seen

    def _score_toxicity(self, texts: list[str]) -> list[dict[str, float]]:
        scored = self.load().score(texts)
        self.scored_texts += len(texts)
        return scored

    def flush(self) -> None:
        """Write the scores computed since the last write to the store's cache."""
        with self._pending_lock:
            pending, self._pending, self._flusher = self._pending, {}, None
        if self.store is not None and pending:
            try:
                with self.store.transaction(immediate=True) as connection:
                    self._write_scores(connection, pending)
            except BaseException:
                with self._pending_lock:  # kept for the next write; newer scores win
                    for model, labels in pending.items():
                        self._pending[model] = labels | self._pending.get(model, {})
                raise

    def _flush_in_background(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # the next `record` writes them, and reports what failed
            logger.debug("scores not written yet: %s", exc)

    def _cached(self, keys: list[str], models: Sequence[str]) -> dict[str, dict]:
        found: dict[str, dict] = {model: {} for model in models}
        with self._pending_lock:  # scored moments ago, not yet written
            for model in models:
                waiting = self._pending.get(model, {})
                found[model].update({k: waiting[k] for k in keys if k in waiting})
        rest = [k for k in keys if any(k not in found[m] for m in models)]
        if self.store is not None and rest:
            with self.store.transaction() as connection:
                for model, labels in score_store.known_by_model(
                    connection, rest, list(models)
                ).items():
                    found[model].update(labels)
        return found

    def _cache(self, fresh: Mapping[str, Mapping[str, Mapping[str, float]]]) -> None:
        """Keep new scores for the store: written with the next `record`, or within
        FLUSH_AFTER seconds, so many live requests share one write."""
        if self.store is None or not any(fresh.values()):
            return
        with self._pending_lock:
            for model, labels in fresh.items():
                self._pending.setdefault(model, {}).update(labels)
            if self._flusher is None:
                self._flusher = threading.Timer(FLUSH_AFTER, self._flush_in_background)
                self._flusher.daemon = True
                self._flusher.start()

    def _write_scores(
        self, connection, pending: Mapping[str, Mapping[str, Mapping[str, float]]]
    ) -> None:
        now = datetime.now(UTC)
        kinds = {self.sentiment.model_id: "sentiment"}
        for model, labels in pending.items():
            score_store.add(connection, kinds.get(model, "toxicity"), model, labels, now)

    def _contexts(
        self, comments: list[Comment], articles: dict[str, Article], author_history: bool
    ) -> dict[str, Context]:
        ids = {c.id for c in comments}
        wanted_parents = {c.parent_id for c in comments if c.parent_id} - ids
        unknown = {c.article_id for c in comments} - set(articles)
        parents: dict[str, Comment] = {}
        history = None
        if self.store is not None and (wanted_parents or unknown or author_history):
            authors = {c.author for c in comments}
            with self.store.transaction() as connection:
                parents = comment_store.lookup(connection, wanted_parents)
                if author_history:
                    history = AuthorHistory(
                        review_store.rejections_by_author(connection, authors),
                        comment_store.first_ids_by_author(connection, authors),
                        {
                            a: s["action"]
                            for a, s in author_store.standing(connection, authors).items()
                        },
                    )
                articles = articles | article_store.lookup(connection, unknown)
        _set_depths(comments, parents)
        return thread_contexts(comments, articles, history, known=parents)


def comment_of(text: str, article_id: str = "live", author: str = "") -> Comment:
    """A comment with nothing but its text (an API request, a rule preview)."""
    return Comment(
        id=stable_id("t", text), article_id=article_id, author=author, position=1, text=text
    )


def _set_depths(comments: list[Comment], parents: dict[str, Comment]) -> None:
    """Depths for comments whose source gives parents but not depths (archives, live)."""
    known = dict(parents)
    for comment in comments:
        parent = known.get(comment.parent_id) if comment.parent_id else None
        if parent is not None and comment.depth == 0:
            comment.depth = parent.depth + 1
        known[comment.id] = comment
