"""The file run: sources -> the scoring core (scores, rule decisions) -> the store and --out.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from moderation.core import Moderated, Moderator
from moderation.errors import InputError
from moderation.extract import extract_file, iter_input_files
from moderation.output import Output
from moderation.records import Page
from moderation.rules import load_rules
from moderation.scoring import TextScorer
from moderation.settings import Settings
from moderation.sources import Bad, Found, SourceOptions, detect, estimate, read
from moderation.store import Store, open_store
from moderation.store import articles as article_store
from moderation.store import comments as comment_store
from moderation.store import queue as queue_store
from moderation.store import runs as run_store

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


class ExitStatus(IntEnum):
    """What a run's exit status tells a script (errors that stop a run exit 1, usage 2)."""

    READ_ALL = 0  # every record of every input was read
    RECORDS_SKIPPED = 3  # some records could not be read and were skipped
    INPUT_EMPTY = 4  # an input gave no comments: nothing read at all, or a file named on the
    # command line (or an export found in a folder) gave none; a saved page (text or HTML)
    # found in a folder may have no comment section (an article nobody commented on)


@dataclass
class FileSummary:
    """What one input gave."""

    path: str
    format: str
    comments: int = 0
    bad: int = 0
    layout: str | None = None
    duplicates: int = 0  # comments whose id this run had already read
    named: bool = False  # given on the command line, not found in a folder
    resumed: int = 0  # records an interrupted run had already written

    @property
    def empty(self) -> bool:
        """It gave nothing where something was expected."""
        read = self.comments or self.resumed or self.duplicates
        return not read and (self.named or self.format not in ("page", "html"))


def exit_status(files: list[FileSummary]) -> ExitStatus:
    """The exit status of a run (or an extraction) that read these inputs."""
    if any(f.empty for f in files) or not any(f.comments or f.resumed for f in files):
        return ExitStatus.INPUT_EMPTY
    return ExitStatus.RECORDS_SKIPPED if any(f.bad for f in files) else ExitStatus.READ_ALL


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
    top_flagged: list[Moderated] = field(default_factory=list)
    results: list[Moderated] = field(default_factory=list)  # only with keep_results
    rule_counts: Counter = field(default_factory=Counter)  # rule id -> comments matched
    statuses: Counter = field(default_factory=Counter)  # visible / deleted / spam
    top_scores: list[int] = field(
        default_factory=lambda: [0] * 10
    )  # highest toxicity label, by tenth
    bad: list[Bad] = field(default_factory=list)
    bad_total: int = 0
    duplicates: int = 0  # comments read twice (an id repeated in or across inputs): kept once
    windowed_texts: int = 0  # texts longer than the model's window, scored in windows
    precision: str | None = None  # the toxicity model's precision and why, if it was loaded
    unavailable: dict[str, list[str]] = field(default_factory=dict)  # rule -> scores not produced
    produced: set[str] = field(default_factory=set)  # score names the models gave

    @property
    def exit_status(self) -> ExitStatus:
        """What the run's exit status says."""
        return exit_status(self.files)

    @property
    def flagged(self) -> list[Moderated]:
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
    paths = list(paths)
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
    moderator = None
    try:
        moderator = Moderator.from_settings(settings, store, open_toxicity, rules)
        batch = _Batch(moderator, report, options, output, progress, started)
        for path, kind in inputs:
            skip = output.done(str(path)) if output else 0
            summary = FileSummary(
                str(path), kind, layout=pages[path].layout if kind == "page" else None,
                named=_named(path, paths), resumed=skip,
            )  # fmt: skip
            report.files.append(summary)
            report.resumed += skip
            records = _page_records(pages[path]) if kind == "page" else read(path, options.sources)
            try:
                for found, consumed in _readings(records, skip, options, summary, report):
                    batch.add(found, summary, consumed)
            except InputError:
                batch.flush()  # what was read before the fault is kept, as a whole batch
                raise
        batch.flush()
        with store.transaction(immediate=True) as connection:
            # Pages without comments are recorded too: the article was read.
            article_store.save(
                connection, [page.article for page in pages.values()], datetime.now(UTC)
            )
            queue_store.refresh_counts(connection)
            _record_run(connection, report, started, [str(p) for p, _ in inputs])
        if output:
            output.finish()
    finally:
        if moderator is not None:
            moderator.close()
        store.close()
        if output:
            output.close()
    if report.bad_total > len(report.bad):
        logger.warning("%d more bad records skipped", report.bad_total - len(report.bad))
    return report


def read_comments(
    paths: Iterable[Path | str],
    options: SourceOptions,
    strict: bool = False,
    files: list[FileSummary] | None = None,
) -> Iterator[Found]:
    """Every comment under `paths`, read as `score_paths` reads them; a bad record is
    reported as a warning and skipped, or with `strict` raised as an InputError. What each
    input gave is appended to `files`, for `exit_status`."""
    paths = list(paths)
    for path in iter_input_files(paths):
        summary = FileSummary(str(path), detect(path, options.format), named=_named(path, paths))
        if files is not None:
            files.append(summary)
        for record in read(path, options):
            if isinstance(record, Bad):
                if strict:
                    raise InputError(record.path, record.message, record.line)
                logger.warning("skipped %s", record)
                summary.bad += 1
                continue
            summary.comments += 1
            yield record


def _named(path: Path, given: list[Path | str]) -> bool:
    return any(Path(g) == path for g in given)


def _estimate_total(inputs: list[tuple[Path, str]], pages: dict[Path, Page]) -> int | None:
    counts = [
        len(pages[path].comments) if kind == "page" else estimate(path, kind)
        for path, kind in inputs
    ]
    return None if any(c is None for c in counts) else sum(counts)


def _readings(
    records: Iterable[Found | Bad],
    skip: int,
    options: RunOptions,
    summary: FileSummary,
    report: RunReport,
) -> Iterator[tuple[Found | None, int]]:
    """Each comment of a file (None for a bad record, which is reported), with how many
    records of the file are consumed with it; the first `skip` were done before."""
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
            yield None, consumed
            continue
        summary.comments += 1
        yield record, consumed


class _Batch:
    """Comments gathered across inputs until a batch is full, then scored, decided and
    written together: a folder of one-comment files is one transaction a batch, not a file.
    It knows how far each input got, for --out's checkpoint."""

    def __init__(
        self, moderator: Moderator, report: RunReport, options: RunOptions, output: Output | None,
        progress: Progress | None, started: datetime,
    ) -> None:  # fmt: skip
        self.moderator, self.report, self.options = moderator, report, options
        self.output, self.progress, self.started = output, progress, started
        self.items: list[tuple[Found, FileSummary]] = []
        self.done: dict[str, int] = {}  # input -> records consumed, all of them in this batch
        self.readings = 0  # records since the last flush, bad ones included (as estimated)

    def add(self, found: Found | None, summary: FileSummary, consumed: int) -> None:
        if found is not None:
            self.items.append((found, summary))
        self.done[summary.path] = consumed
        self.readings += 1
        if len(self.items) >= self.options.batch:
            self.flush()

    def flush(self) -> None:
        if not self.done:
            return
        store = self.moderator.store
        batch = _first_reads(store, self.items, self.started, self.report)
        results = _process(self.moderator, batch, self.report, self.options)
        if self.output:
            self.output.write(results)
            self.output.checkpoint(self.done)
        if self.progress:
            self.progress.advance(self.readings)
        self.items, self.done, self.readings = [], {}, 0


def _first_reads(
    store: Store, batch: list[tuple[Found, FileSummary]], since: datetime, report: RunReport
) -> list[Found]:
    """The batch without the comments this run has already read: an id repeated in an input
    or across inputs is stored, written to --out and counted once (the first reading)."""
    unique: dict[str, tuple[Found, FileSummary]] = {}
    repeats: list[tuple[Found, FileSummary]] = []
    for found, summary in batch:
        (repeats.append((found, summary)) if found.comment.id in unique
         else unique.setdefault(found.comment.id, (found, summary)))  # fmt: skip
    if unique:
        with store.transaction() as connection:
            earlier = comment_store.read_since(connection, list(unique), since)
        repeats += [unique.pop(comment_id) for comment_id in earlier]
    for found, summary in repeats:
        summary.comments -= 1
        summary.duplicates += 1
        report.duplicates += 1
        if report.duplicates <= SHOW_BAD:
            logger.warning("skipped %s: comment %s was already read in this run", found.where,
                           found.comment.id)  # fmt: skip
    return [found for found, _ in unique.values()]


def _page_records(page: Page) -> list[Found]:
    return [
        Found(page.article, c, f"{page.article.source}:comment {c.position}") for c in page.comments
    ]


def _process(
    moderator: Moderator, batch: list[Found], report: RunReport, options: RunOptions
) -> list[Moderated]:
    """Score, decide and store one batch; returns its results."""
    if not batch:
        return []
    articles = list({found.article.id: found.article for found in batch}.values())
    results = moderator.moderate_many([found.comment for found in batch], articles)
    new = moderator.record(results, articles)
    report.sentiment_model, report.toxicity_model = (
        moderator.sentiment.model_id,
        moderator.toxicity_id,
    )
    report.comments += len(results)
    report.new_comments += len(new)
    report.scored_texts = moderator.scored_texts
    report.windowed_texts = getattr(moderator.toxicity, "windowed_texts", 0)
    report.precision = getattr(moderator.toxicity, "choice", None)
    report.produced |= {f"{kind}.{name}" for r in results for kind, score_set in
                        (("sentiment", r.scores.sentiment), ("toxicity", r.scores.toxicity))
                        for name in score_set.labels}  # fmt: skip
    report.unavailable = moderator.rules.unavailable(report.produced)
    for result in results:
        report.statuses[result.comment.status] += 1
        report.rule_counts.update(result.decision.rule_ids)
        top = max(result.scores.toxicity.labels.values(), default=0.0)
        report.top_scores[min(9, max(0, int(top * 10)))] += 1
        if result.decision.action is not None and result.decision.action.value != "approve":
            report.flagged_total += 1
            if len(report.top_flagged) < KEEP_FLAGGED:
                report.top_flagged.append(result)
    if options.keep_results:
        report.results.extend(results)
    return results


def _record_run(
    connection: Connection, report: RunReport, started: datetime, inputs: list[str]
) -> None:
    run_store.add(
        connection, started, datetime.now(UTC), inputs=inputs, comments=report.comments,
        flagged=report.flagged_total, ruleset=report.ruleset,
        sentiment_model=report.sentiment_model, toxicity_model=report.toxicity_model,
    )  # fmt: skip
