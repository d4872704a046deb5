"""Commands that read pages and score them: extract, score, flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from moderation.cli.base import cli, scoring_options, store_option


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def extract(paths: tuple[Path, ...]) -> None:
    """Print the reader comments found in saved pages, one JSON object per line.

    Directories are read file by file. Example:

        moderation extract seeds/ > comments.jsonl
    """
    from moderation.extract import extract_file, iter_input_files

    for path in iter_input_files(paths):
        page = extract_file(path)
        for comment in page.comments:
            record = {"source": page.article.source, "article_title": page.article.title}
            record |= asdict(comment) | {"parent_inferred": comment.parent_inferred}
            click.echo(json.dumps(record, ensure_ascii=False))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@scoring_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the flagged comments as JSON lines instead of a report.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def score(
    paths: tuple[Path, ...], as_json: bool, quiet: bool, config_file: Path | None, **options: Any
) -> None:
    """Extract, score and apply the rules to comments, store them, report what was flagged.

    Running it again on the same input adds nothing twice. Example:

        moderation score seeds/ --db moderation.db --rules rules/default.yml
    """
    from moderation.pipeline import score_paths
    from moderation.scoring.toxicity import open_toxicity_scorer
    from moderation.settings import load_settings

    settings = load_settings(config_file, **options)
    with _progress(quiet) as advance:
        report = score_paths(
            paths, settings, lambda: open_toxicity_scorer(settings.toxicity), advance
        )
    titles = {page.article.id: page.article.title for page in report.pages}
    items = [_scored_item(r, titles[r.comment.article_id]) for r in report.flagged]
    if as_json:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
        return
    click.echo(_run_summary(report))
    _echo_flags(items, total=len(report.results))


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
    from moderation.store import comments, decisions, open_store

    store = open_store(load_settings(config_file, db=db).db_url, create=False)
    try:
        with store.transaction() as connection:
            rows = decisions.flagged(connection, limit)
            total = comments.count(connection)
    finally:
        store.close()
    items = [_stored_item(row) for row in rows]
    if as_json:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
    else:
        _echo_flags(items, total=total)


class _progress:
    """A tqdm bar on stderr counting scored texts; silent with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar = quiet, None

    def __enter__(self) -> Callable[[int, int], None]:
        def advance(n: int, total: int) -> None:
            if self.quiet:
                return
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(
                    desc="scoring",
                    total=total,
                    unit=" texts",
                    leave=False,
                    file=click.get_text_stream("stderr"),
                )
            self.bar.update(n)

        return advance

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _scored_item(result: Any, title: str) -> dict:
    comment, decision, scores = result.comment, result.decision, result.scores
    return {
        "id": comment.id, "action": decision.action.value, "author": comment.author,
        "article": title, "position": comment.position, "text": comment.text,
        "quote": comment.quote, "rules": [asdict(m) for m in decision.matches],
        "sentiment": dict(scores.sentiment.labels), "toxicity": dict(scores.toxicity.labels),
        "toxicity_model": scores.toxicity.model,
    }  # fmt: skip


def _stored_item(row: dict) -> dict:
    return {
        "id": row["id"], "action": row["action"], "author": row["author"],
        "article": row["title"], "position": row["position"], "text": row["text"],
        "quote": row["quote"], "rules": row["matches"], "sentiment": row["sentiment"] or {},
        "toxicity": row["toxicity"] or {}, "toxicity_model": row["toxicity_model"],
    }  # fmt: skip


def _run_summary(report: Any) -> str:
    with_comments = [p for p in report.pages if p.comments]
    lines = [
        f"Read {len(report.pages)} article(s): {len(report.results)} comment(s) "
        f"({report.new_comments} new), {report.scored_texts} text(s) scored now, the rest from the store."
    ]
    lines += [
        f"  {p.article.source}: {len(p.comments)} comment(s), {p.layout} layout"
        for p in with_comments
    ]
    if len(with_comments) < len(report.pages):
        lines.append(f"  {len(report.pages) - len(with_comments)} other file(s): no comment thread")
    if report.results:
        lines.append(
            f"Models: {report.sentiment_model} (sentiment), {report.toxicity_model} (toxicity)"
        )
    lines.append(f"Rules: {report.ruleset}")
    if report.unavailable:
        lines.append(
            "Scores these rules read that the toxicity model does not give (those parts cannot match):"
        )
        lines += [f"  {rule}: {', '.join(names)}" for rule, names in report.unavailable.items()]
    return "\n".join(lines)


def _echo_flags(items: list[dict], total: int) -> None:
    click.echo(f"\n{len(items)} of {total} comment(s) flagged" + (":" if items else "."))
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
