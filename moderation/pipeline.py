"""The scoring run: sources -> comments -> scores -> rule decisions -> the store (and --out).

It runs as a stream. Comments are read in batches; each batch is scored (only texts the
store has not yet scored with these models), decided, and written in one transaction, so
memory stays flat whatever the archive's size and an interrupted run loses at most one
batch. Before anything is written, the rule file and every input's format are checked and
saved pages (small, read whole) are read, so a bad rule file or unreadable page leaves
the store exactly as it was.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from moderation.errors import InputError
from moderation.extract import extract_file, iter_input_files
from moderation.output import Output
from moderation.records import Comment, Decision, Page, Scores, ScoreSet, text_key
from moderation.rules import RuleSet, load_rules
from moderation.rules.context import AuthorHistory, thread_contexts
from moderation.scoring import TextScorer
from moderation.scoring.sentiment import VaderScorer
from moderation.scoring.toxicity import expected_model_id
from moderation.settings import Settings
from moderation.sources import Bad, Found, SourceOptions, detect, estimate, read
from moderation.store import Store, open_store
from moderation.store import articles as article_store
from moderation.store import comments as comment_store
from moderation.store import decisions as decision_store
from moderation.store import queue as queue_store
from moderation.store import reviews as review_store
from moderation.store import runs as run_store
from moderation.store import scores as score_store

logger = logging.getLogger(__name__)


class Progress(Protocol):
    """Where a run reports how far it is: a total (estimated, or None), then steps."""

    def start(self, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


BATCH = 512  # comments per transaction: memory stays flat, a kill loses at most this many
KEEP_FLAGGED = 200  # flagged comments kept for the report; the store has them all
SHOW_BAD = 20  # bad records reported one by one; the rest are counted


@dataclass(frozen=True)
class RunOptions:
    """How to read the inputs and where the results go besides the store."""

    sources: SourceOptions = field(default_factory=SourceOptions)
    out: Path | None = None
    out_format: str | None = None  # jsonl | csv; from the --out file's suffix if not given
    strict: bool = False  # a bad record stops the run instead of being skipped
    batch: int = BATCH
    keep_results: bool = False  # keep every comment's result in the report (small inputs)


@dataclass
class Scored:
    """A comment with its scores and decision, as the run left it."""

    comment: Comment
    scores: Scores
    decision: Decision
    title: str = ""  # of its article


@dataclass
class FileSummary:
    """What one input gave."""

    path: str
    format: str
    comments: int = 0
    bad: int = 0
    layout: str | None = None


@dataclass
class RunReport:
    """What a run read, scored and decided, for the CLI to show."""

    ruleset: str
    files: list[FileSummary] = field(default_factory=list)
    sentiment_model: str | None = None
    toxicity_model: str | None = None
    comments: int = 0
    new_comments: int = 0
    scored_texts: int = 0  # texts sent to the models (the rest came from the store)
    resumed: int = 0  # records skipped because an interrupted run had written them
    flagged_total: int = 0
    top_flagged: list[Scored] = field(default_factory=list)
    results: list[Scored] = field(default_factory=list)  # only with keep_results
    rule_counts: Counter = field(default_factory=Counter)  # rule id -> comments matched
    statuses: Counter = field(default_factory=Counter)  # visible / deleted / spam
    top_scores: list[int] = field(
        default_factory=lambda: [0] * 10
    )  # highest toxicity label, by tenth
    bad: list[Bad] = field(default_factory=list)
    bad_total: int = 0
    windowed_texts: int = 0  # texts longer than the model's window, scored in windows
    unavailable: dict[str, list[str]] = field(default_factory=dict)  # rule -> scores not produced

    @property
    def flagged(self) -> list[Scored]:
        """Flagged comments kept for the report, highest precedence first."""
        return sorted(self.top_flagged, key=lambda r: -r.decision.matches[0].priority)


def score_paths(
    paths: Iterable[Path | str],
    settings: Settings,
    open_toxicity: Callable[[], TextScorer],
    progress: Progress | None = None,
    options: RunOptions | None = None,
) -> RunReport:
    """Read, score, decide and store every comment under `paths` (and write --out)."""
    options = options or RunOptions()
    started = datetime.now(UTC)
    rules = load_rules(settings.rules)
    inputs = [(path, detect(path, options.sources.format)) for path in iter_input_files(paths)]
    pages = {path: extract_file(path) for path, kind in inputs if kind == "page"}
    report = RunReport(ruleset=rules.name)
    if progress:
        progress.start(_estimate_total(inputs, pages))
    output = (
        Output.open(options.out, options.out_format, [str(p) for p, _ in inputs])
        if options.out
        else None
    )
    store = open_store(settings.db_url)
    try:
        run = _Run(
            rules, store, open_toxicity, report, options, expected_model_id(settings.toxicity)
        )
        for path, kind in inputs:
            summary = FileSummary(
                str(path), kind, layout=pages[path].layout if kind == "page" else None
            )
            report.files.append(summary)
            skip = output.done(str(path)) if output else 0
            report.resumed += skip
            records = _page_records(pages[path]) if kind == "page" else read(path, options.sources)
            counted = skip
            for batch, consumed in _batches(records, skip, options, summary, report):
                results = run.process(batch)
                if output:
                    output.write(results)
                    output.checkpoint(str(path), consumed)
                if progress:  # records, bad ones included: what the estimate counts
                    progress.advance(consumed - counted)
                    counted = consumed
        with store.transaction() as connection:
            # Pages without comments are recorded too: the article was read.
            article_store.save(
                connection, [page.article for page in pages.values()], datetime.now(UTC)
            )
            queue_store.refresh_counts(connection)
            _record_run(connection, report, started, [str(p) for p, _ in inputs])
        if output:
            output.finish()
    finally:
        store.close()
        if output:
            output.close()
    if report.bad_total > len(report.bad):
        logger.warning("%d more bad records skipped", report.bad_total - len(report.bad))
    return report


def _estimate_total(inputs: list[tuple[Path, str]], pages: dict[Path, Page]) -> int | None:
    counts = [
        len(pages[path].comments) if kind == "page" else estimate(path, kind)
        for path, kind in inputs
    ]
    return None if any(c is None for c in counts) else sum(counts)


def _batches(
    records: Iterable[Found | Bad],
    skip: int,
    options: RunOptions,
    summary: FileSummary,
    report: RunReport,
) -> Iterator[tuple[list[Found], int]]:
    """Batches of comments, and how many records of the file were consumed after each."""
    batch: list[Found] = []
    consumed = 0
    for record in records:
        consumed += 1
        if consumed <= skip:
            continue
        if isinstance(record, Bad):
            if options.strict:
                raise InputError(record.path, record.message, record.line)
            summary.bad += 1
            report.bad_total += 1
            if len(report.bad) < SHOW_BAD:
                report.bad.append(record)
                logger.warning("skipped %s", record)
            continue
        summary.comments += 1
        batch.append(record)
        if len(batch) >= options.batch:
            yield batch, consumed
            batch = []
    if batch or consumed > skip:
        yield batch, consumed


def _page_records(page: Page) -> list[Found]:
    return [
        Found(page.article, c, f"{page.article.source}:comment {c.position}") for c in page.comments
    ]


class _Run:
    """One run's rules, store, scorers (the model loads only for a text not yet scored)."""

    def __init__(
        self,
        rules: RuleSet,
        store: Store,
        open_toxicity,
        report: RunReport,
        options: RunOptions,
        toxicity_id: str,
    ) -> None:
        self.rules, self.store, self.report, self.options = rules, store, report, options
        self._open_toxicity = open_toxicity
        self.sentiment = VaderScorer()  # its lexicon loads on first use
        self.toxicity: TextScorer | None = None  # loaded only when a text is not in the cache
        self.toxicity_id = toxicity_id
        with store.transaction() as connection:
            self.first_ids = comment_store.first_ids_by_author(connection)
            self.history = AuthorHistory(
                review_store.rejections_by_author(connection), self.first_ids
            )
        self.produced: set[str] = set()

    def process(self, batch: list[Found]) -> list[Scored]:
        """Score, decide and store one batch; returns its results."""
        if not batch:
            return []
        comments = [found.comment for found in batch]
        articles = {found.article.id: found.article for found in batch}
        texts = _ScoredTexts()
        models = (self.sentiment.model_id, self.toxicity_id)
        with self.store.transaction() as connection:
            stored = comment_store.existing_ids(connection, [c.id for c in comments])
            texts.load(connection, comments, models)
            parents = comment_store.lookup(
                connection,
                {c.parent_id for c in comments if c.parent_id} - {c.id for c in comments},
            )
            if not texts.complete() and self.toxicity is None:
                # A text needs the model: load it now. It may fall back to another model, and
                # then that model's cached scores are the ones to use.
                self.toxicity = self._open_toxicity()
                if self.toxicity.model_id != self.toxicity_id:
                    self.toxicity_id = self.toxicity.model_id
                    texts.load(connection, comments, (self.sentiment.model_id, self.toxicity_id))
        if not texts.complete():
            texts.score_missing((self.sentiment, self.toxicity))
        self.report.sentiment_model, self.report.toxicity_model = (
            self.sentiment.model_id,
            self.toxicity_id,
        )
        _set_depths(comments, parents)
        contexts = thread_contexts(comments, articles, self.history, known=parents)
        for comment in comments:
            self.first_ids.setdefault(comment.author, comment.id)
        results = [self._decide(found, texts, contexts[found.comment.id]) for found in batch]
        with self.store.transaction() as connection:
            _save(
                connection,
                list(articles.values()),
                results,
                texts,
                (self.sentiment.model_id, self.toxicity_id),
            )
        self._tally(results, stored, texts)
        return results

    def _decide(self, found: Found, texts: _ScoredTexts, context) -> Scored:
        scores = texts.scores_of(found.comment, self.sentiment.model_id, self.toxicity_id)
        decision = self.rules.decide(found.comment, scores, context)
        return Scored(found.comment, scores, decision, found.article.title)

    def _tally(self, results: list[Scored], stored: set[str], texts: _ScoredTexts) -> None:
        report = self.report
        report.comments += len(results)
        report.new_comments += sum(r.comment.id not in stored for r in results)
        report.scored_texts += texts.scored
        report.windowed_texts = getattr(self.toxicity, "windowed_texts", 0)
        self.produced |= texts.produced(self.sentiment.model_id, self.toxicity_id)
        report.unavailable = self.rules.unavailable(self.produced)
        for result in results:
            report.statuses[result.comment.status] += 1
            report.rule_counts.update(result.decision.rule_ids)
            top = max(result.scores.toxicity.labels.values(), default=0.0)
            report.top_scores[min(9, max(0, int(top * 10)))] += 1
            if result.decision.action is not None and result.decision.action.value != "approve":
                report.flagged_total += 1
                if len(report.top_flagged) < KEEP_FLAGGED:
                    report.top_flagged.append(result)
        if self.options.keep_results:
            report.results.extend(results)


def _set_depths(comments: list[Comment], parents: dict[str, Comment]) -> None:
    """Depths for comments whose source gives parents but not depths (archives)."""
    known = dict(parents)
    for comment in comments:
        parent = known.get(comment.parent_id) if comment.parent_id else None
        if parent is not None and comment.depth == 0:
            comment.depth = parent.depth + 1
        known[comment.id] = comment


class _ScoredTexts:
    """Labels by model and text key: those already stored, and those this batch computed."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.labels: dict[str, dict[str, dict[str, float]]] = {}
        self.fresh: dict[str, dict[str, dict[str, float]]] = {}

    @property
    def scored(self) -> int:
        """How many distinct texts went through a model."""
        return len(set().union(*self.fresh.values())) if self.fresh else 0

    def load(self, connection: Connection, comments: list[Comment], models: Sequence[str]) -> None:
        """Collect the distinct texts (own words and quotes) and what the store knows of them."""
        self.texts = {text_key(t): t for c in comments for t in (c.text, c.quote) if t}
        self.labels, self.fresh = {}, {}
        for model in models:
            self.labels[model] = score_store.known(connection, list(self.texts), model)
            self.fresh[model] = {}

    def complete(self) -> bool:
        """Whether the store already has every text scored by every model."""
        return all(len(labels) == len(self.texts) for labels in self.labels.values())

    def score_missing(self, scorers: Sequence[TextScorer]) -> None:
        """Run each model on the texts it has not scored yet, sentiment beside toxicity.

        PyTorch releases the GIL while it multiplies, so VADER (pure Python) in a second
        thread costs almost nothing on top of the toxicity model's time.
        """
        sentiment, toxicity = scorers
        with ThreadPoolExecutor(max_workers=1) as pool:
            beside = pool.submit(self._score_with, sentiment)
            self._score_with(toxicity)
            beside.result()

    def _score_with(self, scorer: TextScorer) -> None:
        missing = [k for k in self.texts if k not in self.labels[scorer.model_id]]
        new = dict(zip(missing, scorer.score([self.texts[k] for k in missing]), strict=True))
        self.labels[scorer.model_id].update(new)
        self.fresh[scorer.model_id].update(new)

    def produced(self, sentiment: str, toxicity: str) -> set[str]:
        """Score names, as rules spell them, that the models gave for at least one text."""
        names = {f"sentiment.{n}" for v in self.labels[sentiment].values() for n in v}
        return names | {f"toxicity.{n}" for v in self.labels[toxicity].values() for n in v}

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
    connection: Connection,
    articles,
    results: list[Scored],
    texts: _ScoredTexts,
    models: tuple[str, str],
) -> None:
    now = datetime.now(UTC)
    article_store.save(connection, articles, now)
    comment_store.save(connection, [r.comment for r in results], now)
    for kind, model in zip(("sentiment", "toxicity"), models, strict=True):
        score_store.add(connection, kind, model, texts.fresh[model], now)
    decided = [
        (r.comment.id, r.decision, max(r.scores.toxicity.labels.values(), default=None))
        for r in results
    ]
    decision_store.record(connection, decided, models[0], models[1], now)


def _record_run(
    connection: Connection, report: RunReport, started: datetime, inputs: list[str]
) -> None:
    run_store.add(
        connection, started, datetime.now(UTC), inputs=inputs, comments=report.comments,
        flagged=report.flagged_total, ruleset=report.ruleset,
        sentiment_model=report.sentiment_model, toxicity_model=report.toxicity_model,
    )  # fmt: skip
