"""Commands that read pages and score them: extract, score, flags."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from moderation.cli.base import cli, scoring_options, store_option
from moderation.sources import FORMATS

if TYPE_CHECKING:
    from moderation.engines.ray import RayReport
    from moderation.pipeline import ExitStatus, FileSummary

# As moderation.sources.tabular.FIELDS and moderation.output.FORMATS (a test keeps them
# equal): importing those modules would slow every command's start.
MAP_FIELDS = ("id", "text", "author", "parent", "article", "article_title", "time", "status")
OUT_FORMATS = ("jsonl", "csv", "parquet")
EXIT_STATUS = (
    "Exit status: 0 every record was read; 3 some records could not be read and were skipped "
    "(warnings name them); 4 an input gave no comments (a page named without a comment "
    "section, an export of only bad records; a page found in a folder may have none); "
    "1 an error stopped it; 2 a usage error."
)


def _check_selector(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from moderation.sources.documents import compile_selector

        try:
            compile_selector(value)
        except ValueError as exc:
            raise click.BadParameter(f"'{value}' is not a jq program: {exc}") from None
    return value


def source_options(command: Callable) -> Callable:
    """How inputs are read, shared by `extract` and `score`."""
    options = [
        click.option(
            "--format",
            "input_format",
            type=click.Choice(list(FORMATS)),
            help="Input format [default: detected per file].",
        ),
        click.option(
            "--map",
            "mapping",
            metavar="OURS=THEIRS,...",
            help="Field mapping for JSON Lines and CSV: which of the export's fields holds each of "
            "ours. Ours: "
            + ", ".join(MAP_FIELDS)
            + ". E.g. text=body,author=user,parent=parent_id.",
        ),
        click.option(
            "--preset",
            type=click.Choice(["reddit", "hackernews"]),
            help="Field mapping of a known export.",
        ),
        click.option(
            "--records",
            metavar="JQ",
            callback=_check_selector,
            help="Where the comment records are in a JSON document (or in each JSON line): a jq "
            "program, e.g. '.data.children[].data' for a saved Reddit listing, or "
            "'.log.entries[].response.content.text | fromjson? | .data.children[]?.data' for a "
            "recorded HTTP session (HAR) [default: the document's top-level list].",
        ),
        click.option(
            "--strict", is_flag=True, help="Stop at the first bad record instead of skipping it."
        ),
    ]
    return functools.reduce(lambda cmd, option: option(cmd), reversed(options), command)


@cli.command(epilog=EXIT_STATUS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@source_options
def extract(
    paths: tuple[Path, ...], input_format: str | None, mapping: str | None, preset: str | None,
    records: str | None, strict: bool,
) -> None:  # fmt: skip
    """Print the reader comments of any input `score` reads, one JSON object per line.

    Saved pages and archive exports alike; folders are read file by file; bad records are
    reported on stderr and skipped (--strict stops). Examples:

        moderation extract seeds/ > comments.jsonl

        moderation extract export.csv --map text=body,author=user
    """
    from moderation.pipeline import exit_status, read_comments
    from moderation.sources import SourceOptions

    options = SourceOptions(input_format, _mapping(mapping), preset, records)
    files: list[FileSummary] = []
    for found in read_comments(paths, options, strict, files):
        record = {"source": found.article.source, "article_title": found.article.title}
        record |= asdict(found.comment) | {"parent_inferred": found.comment.parent_inferred}
        click.echo(json.dumps(record, ensure_ascii=False))
    _exit(exit_status(files), files)


@cli.command(epilog=EXIT_STATUS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@scoring_options
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Also write one row per comment here: .jsonl, .csv, or .parquet (a folder of parts); "
    "an interrupted run resumes.",
)
@click.option(
    "--output-format",
    type=click.Choice(OUT_FORMATS),
    help="Format of --out [default: from its suffix, else jsonl].",
)
@source_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the flagged comments as JSON lines instead of a report.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where texts are scored: this process, or a Ray cluster (then decided here).",
)
@click.option(
    "--address",
    metavar="auto|ray://HOST:PORT",
    help="With --engine ray: the cluster to join [default: start a local Ray].",
)
@click.option(
    "--parts",
    "parts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --engine ray: folder of scored parts, for resuming [default: ray-parts/ beside the store].",
)
def score(
    paths: tuple[Path, ...], out: Path | None, output_format: str | None, input_format: str | None,
    mapping: str | None, preset: str | None, records: str | None, strict: bool, as_json: bool, quiet: bool,
    engine: str, address: str | None, parts_dir: Path | None, config_file: Path | None,
    **options: Any,
) -> None:  # fmt: skip
    """Read comments (pages or archive exports), score them, apply the rules, store them.

    Formats are detected per file: saved pages (text or HTML), JSON Lines, CSV, Disqus XML,
    WordPress WXR, Commento JSON, each optionally .gz, .bz2, .xz or .zst; folders are walked. Running it
    again adds nothing twice and scores nothing twice. Examples:

        moderation score seeds/ --db moderation.db --rules rules/default.yml

        moderation score RC_2015-12.zst --preset reddit --out scored.jsonl

        moderation score archive/ --engine ray --address auto
    """
    from moderation.pipeline import RunOptions, score_paths
    from moderation.scoring.toxicity import open_toxicity_scorer
    from moderation.settings import load_settings
    from moderation.sources import SourceOptions

    settings = load_settings(config_file, **options)
    run = RunOptions(
        sources=SourceOptions(input_format, _mapping(mapping), preset, records),
        out=out, out_format=output_format, strict=strict,
    )  # fmt: skip
    ray_report = None
    with _progress(quiet) as advance:
        if engine == "ray":
            from moderation.engines.ray import score_paths_ray

            ray_report = score_paths_ray(list(paths), settings, run, address, parts_dir, advance)
            report = ray_report.run
        else:
            report = score_paths(
                paths, settings, lambda: open_toxicity_scorer(settings.toxicity), advance, run
            )
    items = [_scored_item(r) for r in report.flagged]
    if as_json:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
        _exit(report.exit_status, report.files)
        return
    if ray_report is not None:
        click.echo(_ray_summary(ray_report))
    click.echo(_run_summary(report))
    _echo_flags(items[:SHOW_FLAGGED], total=report.comments, flagged=report.flagged_total)
    _exit(report.exit_status, report.files)


def _ray_summary(report: RayReport) -> str:
    if not report.actors:
        scored = f"every part was scored before ({report.parts_done_before}): Ray not started"
    else:
        scored = (
            f"{report.actors} scoring actor(s); {report.parts_scored} part(s) scored now "
            f"({report.texts_scored} texts), {report.parts_done_before} from before"
        )
    return f"Ray: {scored}; {report.parts_loaded} part(s) loaded into the score cache; parts in {report.parts_dir}"


def _exit(status: ExitStatus, files: list[FileSummary]) -> None:
    """End with the run's exit status; say on stderr which inputs gave nothing."""
    from moderation.pipeline import ExitStatus

    if status is ExitStatus.INPUT_EMPTY:
        empty = [f.path for f in files if f.empty] or ["every input"]
        click.echo(
            f"warning: no comments read from {', '.join(empty[:5])}"
            + (f" and {len(empty) - 5} more" if len(empty) > 5 else ""),
            err=True,
        )
    if status is not ExitStatus.READ_ALL:
        raise SystemExit(int(status))


def _mapping(text: str | None) -> dict[str, str]:
    from moderation.sources.tabular import FIELDS

    pairs = {}
    for part in filter(None, (text or "").split(",")):
        ours, _, theirs = part.partition("=")
        if ours.strip() not in FIELDS or not theirs.strip():
            raise click.BadParameter(
                f"'{part}': expected FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}",
                param_hint="--map",
            )
        pairs[ours.strip()] = theirs.strip()
    return pairs


@cli.command()
@store_option
@click.option(
    "--config", "config_file", type=click.Path(exists=True, path_type=Path), help="Settings file."
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of text.")
def flags(db: str | None, config_file: Path | None, limit: int | None, as_json: bool) -> None:
    """List the stored comments that rules held, flagged or rejected, highest priority first.

    Example:

        moderation flags --db moderation.db --limit 20
    """
    from moderation.settings import load_settings
    from moderation.store import comments, open_store, queue

    store = open_store(load_settings(config_file, db=db).db_url, create=False)
    try:
        with store.transaction() as connection:
            rows = queue.flagged(connection, limit)
            total = comments.count(connection)
    finally:
        store.close()
    items = [_stored_item(row) for row in rows]
    if as_json:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
    else:
        _echo_flags(items, total=total)


SHOW_FLAGGED = 50  # in the report; `moderation flags` lists them all


class _progress:
    """A tqdm bar on stderr: comments done, their rate, and an ETA when the total is known."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar = quiet, None

    def __enter__(self) -> _progress:
        return self

    def start(self, total: int | None) -> None:
        if not self.quiet:
            from tqdm import tqdm

            self.bar = tqdm(
                desc="scoring",
                total=total or None,
                unit=" comments",
                leave=False,
                file=click.get_text_stream("stderr"),
            )

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _scored_item(result: Any) -> dict:
    comment, decision, scores = result.comment, result.decision, result.scores
    return {
        "id": comment.id, "action": decision.action.value, "author": comment.author,
        "article": result.title, "position": comment.position, "text": comment.text,
        "quote": comment.quote, "rules": [asdict(m) for m in decision.matches],
        "sentiment": dict(scores.sentiment.labels), "toxicity": dict(scores.toxicity.labels),
        "toxicity_model": scores.toxicity.model,
        # the other forms of the text the model scored: identity-neutral, de-obfuscated
        **{f"{name}_toxicity": dict(form.labels) for name, form in scores.variants.items() if form},
    }  # fmt: skip


def _stored_item(row: dict) -> dict:
    return {
        "id": row["id"], "action": row["action"], "author": row["author"],
        "article": row["title"], "position": row["position"], "text": row["text"],
        "quote": row["quote"], "rules": row["matches"], "sentiment": row["sentiment"] or {},
        "toxicity": row["toxicity"] or {}, "toxicity_model": row["toxicity_model"],
    }  # fmt: skip


def _run_summary(report: Any) -> str:
    with_comments = [f for f in report.files if f.comments or f.bad or f.duplicates]
    lines = [
        f"Read {len(report.files)} file(s): {report.comments} comment(s) ({report.new_comments} new), "
        f"{report.scored_texts} text(s) scored now, the rest from the store."
    ]
    for f in with_comments:
        kind = f"{f.layout} layout" if f.format == "page" else f.format
        bad = f", {f.bad} bad record(s) skipped" if f.bad else ""
        bad += f", {f.duplicates} repeated id(s) read once" if f.duplicates else ""
        lines.append(f"  {f.path}: {f.comments} comment(s), {kind}{bad}")
    if len(with_comments) < len(report.files):
        lines.append(f"  {len(report.files) - len(with_comments)} other file(s): no comment thread")
    if report.resumed:
        lines.append(
            f"Resumed: {report.resumed} record(s) were already written by an interrupted run."
        )
    if report.comments:
        lines.append(
            f"Models: {report.sentiment_model} (sentiment), {report.toxicity_model} (toxicity)"
        )
    if report.precision:
        lines.append(f"Precision: {report.precision}")
    lines.append(f"Rules: {report.ruleset}")
    if set(report.statuses) - {"visible"}:
        lines.append("Statuses: " + ", ".join(f"{n} {s}" for s, n in report.statuses.most_common()))
    if report.rule_counts:
        lines.append(
            "Matches by rule: " + ", ".join(f"{r} {n}" for r, n in report.rule_counts.most_common())
        )
    if report.comments:
        spread = " ".join(f"{i / 10:.1f}:{n}" for i, n in enumerate(report.top_scores) if n)
        lines.append(f"Highest toxicity score per comment (from: count): {spread}")
    if report.windowed_texts:
        lines.append(f"Long comments scored in overlapping windows: {report.windowed_texts}")
    if report.duplicates:
        lines.append(
            f"Repeated comment ids: {report.duplicates} (each comment is stored, written and counted once)"
        )
    if report.bad_total:
        lines.append(
            f"Bad records skipped: {report.bad_total} (see the warnings above; --strict stops at the first)"
        )
    if report.unavailable:
        lines.append(
            "Scores these rules read that the toxicity model does not give (those parts cannot match):"
        )
        lines += [f"  {rule}: {', '.join(names)}" for rule, names in report.unavailable.items()]
    return "\n".join(lines)


def _echo_flags(items: list[dict], total: int, flagged: int | None = None) -> None:
    flagged = len(items) if flagged is None else flagged
    click.echo(f"\n{flagged} of {total} comment(s) flagged" + (":" if items else "."))
    if flagged > len(items):
        click.echo(f"(the first {len(items)} by priority; `moderation flags` lists them all)")
    for item in items:
        text = " ".join(item["text"].split())
        click.echo(
            f"\n  {item['action'].upper():6} {item['author']}  ({item['article']}, comment {item['position']})"
        )
        click.echo(f'         "{text[:160]}{"..." if len(text) > 160 else ""}"')
        for match in item["rules"]:
            click.echo(f"         {match['rule_id']}: {'; '.join(match['reasons'])}")
        click.echo(f"         scores: {_key_scores(item['sentiment'], item['toxicity'])}")


def _key_scores(sentiment: dict, toxicity: dict) -> str:
    top = sorted(toxicity.items(), key=lambda kv: -kv[1])[:3]
    parts = [f"sentiment {sentiment['compound']:+.2f}"] if "compound" in sentiment else []
    return ", ".join(parts + [f"{label} {value:.2f}" for label, value in top])
