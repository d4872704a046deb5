"""The scoring run: inputs -> comments -> scores -> rule decisions -> the store.

Everything that can fail on bad input (the rule file, every input file) is checked before
the store is opened, so a bad run leaves the store exactly as it was; the run's writes
then happen in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection

from moderation.extract import extract_file, iter_input_files
from moderation.records import Comment, Decision, Page, Scores, ScoreSet, text_key
from moderation.rules import load_rules
from moderation.rules.context import AuthorHistory, thread_contexts
from moderation.scoring import TextScorer
from moderation.scoring.sentiment import VaderScorer
from moderation.settings import Settings
from moderation.store import articles as article_store
from moderation.store import comments as comment_store
from moderation.store import decisions as decision_store
from moderation.store import open_store
from moderation.store import queue as queue_store
from moderation.store import reviews as review_store
from moderation.store import runs as run_store
from moderation.store import scores as score_store

Progress = Callable[[int, int], None]  # (texts scored just now, texts to score in all)
_CHUNK = 256  # texts per scoring call: progress moves, memory stays flat


@dataclass
class Scored:
    """A comment with its scores and decision, as the run left it."""

    comment: Comment
    scores: Scores
    decision: Decision


@dataclass
class RunReport:
    """What a run found and decided, for the CLI to show."""

    pages: list[Page]
    results: list[Scored]
    ruleset: str
    sentiment_model: str | None = None
    toxicity_model: str | None = None
    new_comments: int = 0
    scored_texts: int = 0  # texts sent to the models (the rest came from the store)
    unavailable: dict[str, list[str]] = field(default_factory=dict)  # rule -> scores not produced

    @property
    def flagged(self) -> list[Scored]:
        """Comments the rules held, flagged or rejected, highest precedence first."""
        hits = [
            r for r in self.results if r.decision.action and r.decision.action.value != "approve"
        ]
        return sorted(hits, key=lambda r: -r.decision.matches[0].priority)


def score_paths(
    paths: Iterable[Path | str],
    settings: Settings,
    open_toxicity: Callable[[], TextScorer],
    progress: Progress | None = None,
) -> RunReport:
    """Extract, score, decide and store everything under `paths`.

    `open_toxicity` loads the toxicity model; it is called only if there is text to score.
    """
    started = datetime.now(UTC)
    rules = load_rules(settings.rules)
    pages = [extract_file(path) for path in iter_input_files(paths)]
    comments = [c for page in pages for c in page.comments]
    report = RunReport(pages=pages, results=[], ruleset=rules.name)
    store = open_store(settings.db_url)
    try:
        texts = _ScoredTexts()
        if comments:
            sentiment, toxicity = VaderScorer(), open_toxicity()
            report.sentiment_model, report.toxicity_model = sentiment.model_id, toxicity.model_id
            with store.transaction() as connection:
                stored = comment_store.existing_ids(connection, [c.id for c in comments])
                texts.load(connection, comments, (sentiment, toxicity))
                history = AuthorHistory(
                    review_store.rejections_by_author(connection),
                    comment_store.first_ids_by_author(connection),
                )
            texts.score_missing((sentiment, toxicity), progress)
            report.new_comments = len(comments) - len(stored)
            report.scored_texts = texts.scored
            report.unavailable = rules.unavailable(texts.produced(sentiment, toxicity))
            articles = {page.article.id: page.article for page in pages}
            contexts = thread_contexts(comments, articles, history)
            for comment in comments:
                scores = texts.scores_of(comment, sentiment.model_id, toxicity.model_id)
                decision = rules.decide(comment, scores, contexts[comment.id])
                report.results.append(Scored(comment, scores, decision))
        with store.transaction() as connection:
            _save(connection, report, texts, started)
    finally:
        store.close()
    return report


class _ScoredTexts:
    """Labels by model and text key: those already stored, and those this run computed."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.labels: dict[str, dict[str, dict[str, float]]] = {}
        self.fresh: dict[str, dict[str, dict[str, float]]] = {}

    @property
    def scored(self) -> int:
        """How many distinct texts went through a model in this run."""
        return len(set().union(*self.fresh.values())) if self.fresh else 0

    def load(
        self, connection: Connection, comments: list[Comment], scorers: Sequence[TextScorer]
    ) -> None:
        """Collect the distinct texts (own words and quotes) and what the store knows of them."""
        self.texts = {text_key(t): t for c in comments for t in (c.text, c.quote) if t}
        for scorer in scorers:
            self.labels[scorer.model_id] = score_store.known(
                connection, list(self.texts), scorer.model_id
            )
            self.fresh[scorer.model_id] = {}

    def score_missing(self, scorers: Sequence[TextScorer], progress: Progress | None) -> None:
        """Run each model on the texts it has not scored yet, a chunk at a time."""
        todo = [k for k in self.texts if any(k not in self.labels[s.model_id] for s in scorers)]
        for start in range(0, len(todo), _CHUNK):
            chunk = todo[start : start + _CHUNK]
            for scorer in scorers:
                missing = [k for k in chunk if k not in self.labels[scorer.model_id]]
                new = dict(
                    zip(missing, scorer.score([self.texts[k] for k in missing]), strict=True)
                )
                self.labels[scorer.model_id].update(new)
                self.fresh[scorer.model_id].update(new)
            if progress:
                progress(len(chunk), len(todo))

    def produced(self, sentiment: TextScorer, toxicity: TextScorer) -> set[str]:
        """Score names, as rules spell them, that the models gave for at least one text."""
        names = {f"sentiment.{n}" for v in self.labels[sentiment.model_id].values() for n in v}
        return names | {f"toxicity.{n}" for v in self.labels[toxicity.model_id].values() for n in v}

    def scores_of(self, comment: Comment, sentiment: str, toxicity: str) -> Scores:
        """The comment's scores: its own words, and its quote apart."""

        def score_set(model: str, text: str | None) -> ScoreSet | None:
            return ScoreSet(model, self.labels[model][text_key(text)]) if text else None

        return Scores(
            sentiment=score_set(sentiment, comment.text) or ScoreSet(sentiment, {}),
            toxicity=score_set(toxicity, comment.text) or ScoreSet(toxicity, {}),
            quote_sentiment=score_set(sentiment, comment.quote),
            quote_toxicity=score_set(toxicity, comment.quote),
        )


def _save(
    connection: Connection, report: RunReport, texts: _ScoredTexts, started: datetime
) -> None:
    now = datetime.now(UTC)
    article_store.save(connection, [p.article for p in report.pages], now)
    comment_store.save(connection, [r.comment for r in report.results], now)
    for kind, model in (("sentiment", report.sentiment_model), ("toxicity", report.toxicity_model)):
        if model:
            score_store.add(connection, kind, model, texts.fresh[model], now)
    decided = [
        (r.comment.id, r.decision, max(r.scores.toxicity.labels.values(), default=None))
        for r in report.results
    ]
    decision_store.record(
        connection, decided, report.sentiment_model or "", report.toxicity_model or "", now
    )
    queue_store.refresh_counts(connection)
    run_store.add(
        connection,
        started,
        now,
        inputs=sorted({p.article.source for p in report.pages}),
        comments=len(report.results),
        flagged=len(report.flagged),
        ruleset=report.ruleset,
        sentiment_model=report.sentiment_model,
        toxicity_model=report.toxicity_model,
    )
