"""Commands for editors: check, test and preview rule files; explain a decision."""

from __future__ import annotations

from pathlib import Path

import click

from moderation.cli.base import cli, config_option, store_option
from moderation.errors import ModerationError, RuleFileError
from moderation.settings import DETOXIFY_MODELS

_FILES = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@cli.group()
def rules() -> None:
    """Check, test and preview rule files.

    Example:

        moderation rules check rules/default.yml
    """


@rules.command()
@click.argument("folder", default="rules", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Copy the shipped rules into FOLDER (default: ./rules) to edit them.

    Runs from that folder's parent then use the copy. Example:

        moderation rules init && moderation rules check rules/default.yml
    """
    from moderation.rules.loader import copy_default_rules

    written = copy_default_rules(folder)
    click.echo(f"Wrote {written}: edit it, then `moderation rules check {written}`.")


@rules.command()
@_FILES
@click.option(
    "--model",
    type=click.Choice([*DETOXIFY_MODELS, "profanity-check"]),
    help="Also report scores this toxicity model does not produce [default: the configured model].",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@config_option
def check(
    files: tuple[Path, ...], model: str | None, strict: bool, config_file: Path | None
) -> None:
    """Report every problem in rule files as file:line:col: message.

    Exits non-zero when a file has errors (with --strict, warnings too), for CI. Example:

        moderation rules check rules/*.yml --model unbiased
    """
    from moderation.rules.checks import check_rules
    from moderation.rules.loader import Problem, read_rule_file
    from moderation.settings import load_settings

    model = model or load_settings(config_file).toxicity.model
    errors = warnings = 0
    for path in files:
        try:
            ruleset, problems = read_rule_file(path)
        except RuleFileError as exc:
            ruleset, problems = None, [Problem(exc.path, exc.line, exc.column, exc.message)]
        if ruleset is not None:
            problems += check_rules(ruleset, path, model)
        for problem in sorted(problems, key=lambda p: (p.line or 0, p.column or 0)):
            click.echo(str(problem))
        errors += sum(p.severity == "error" for p in problems)
        warnings += sum(p.severity == "warning" for p in problems)
    click.echo(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        raise SystemExit(1)


@rules.command()
@_FILES
def test(files: tuple[Path, ...]) -> None:
    """Run the examples written beside each rule and print a pass/fail table.

    An example under `match:` must make its rule match; one under `no_match:` must not.
    Exits non-zero if any example fails. Example:

        moderation rules test rules/default.yml
    """
    from moderation.rules import load_rules
    from moderation.rules.examples import run_examples

    failed = total = 0
    for path in files:
        results = run_examples(load_rules(path))
        click.echo(f"{'RESULT':6}  {'RULE':22} {'EXPECTED':9} LINE  EXAMPLE")
        for result in results:
            expected = "match" if result.example.expect_match else "no match"
            text = " ".join(result.example.comment.text.split())
            verdict = "pass" if result.passed else "FAIL"
            click.echo(
                f"{verdict:6}  {result.rule.id:22} {expected:9} {result.example.line:<5} {text[:60]}"
            )
            if not result.passed:
                for reason in result.reasons():
                    click.echo(f"{'':40}{reason}")
        total += len(results)
        failed += sum(not r.passed for r in results)
    click.echo(f"{total} example(s): {total - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


@rules.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@store_option
@config_option
@click.option(
    "--sample", default=5, show_default=True, help="Newly flagged and cleared comments to show."
)
def diff(old: Path, new: Path, db: str | None, config_file: Path | None, sample: int) -> None:
    """Show what a rule change would do to the comments already in the store.

    Re-decides every stored comment under both files from its stored scores (nothing is
    rescored): how many change action, per rule counts and precision against moderators'
    decisions, and samples of newly flagged and newly cleared comments. Example:

        moderation rules diff rules/default.yml rules/proposed.yml --db moderation.db
    """
    from moderation.rules import load_rules
    from moderation.rules.preview import diff as preview
    from moderation.settings import load_settings
    from moderation.store import open_store
    from moderation.store.evaluation import load_stored

    before, after = load_rules(old), load_rules(new)
    store = open_store(load_settings(config_file, db=db).db_url, create=False)
    try:
        with store.transaction() as connection:
            # The new file's identity terms decide which other forms' scores are read.
            stored = load_stored(connection, variants=after.reading.variants)
            report = preview(before, after, stored, sample)
    finally:
        store.close()
    click.echo(
        f"Re-decided {report.total} stored comment(s) without rescoring: {report.changed} change action."
    )
    for (was, now), count in sorted(report.transitions.items(), key=lambda kv: -kv[1]):
        if was != now:
            click.echo(f"  {was or 'none':7} -> {now or 'none':7} {count}")
    click.echo(
        f"\n{'RULE':24} {'BEFORE':>6} {'AFTER':>6} {'CHANGE':>7}  PRECISION BEFORE -> AFTER (moderator-confirmed share)"
    )
    for counts in sorted(report.rules.values(), key=lambda c: c.rule_id):
        change = counts.after - counts.before
        precision = f"{_precision(counts.precision_before)} -> {_precision(counts.precision_after)}"
        click.echo(
            f"{counts.rule_id:24} {counts.before:>6} {counts.after:>6} {change:>+7}  {precision}"
        )
    for title, changes in (
        ("Newly flagged", report.newly_flagged),
        ("Newly cleared", report.newly_cleared),
    ):
        if changes:
            click.echo(f"\n{title}:")
        for change in changes:
            text = " ".join(change.stored.comment.text.split())[:100]
            rules_now = ", ".join(change.rules_after) or "no rule"
            click.echo(
                f'  {change.before or "none"} -> {change.after or "none"}  {change.stored.comment.author}: "{text}" ({rules_now})'
            )


def _precision(precision) -> str:
    value = precision.value
    if value is None:
        return "n/a"
    return f"{value:.0%} ({precision.confirmed}/{precision.confirmed + precision.overturned})"


def _own_names(scores) -> set[str]:
    """Flat score names of the comment's text, quote, and the forms scored apart from them."""
    from moderation.records import SCORE_VARIANTS

    forms = {v for v in SCORE_VARIANTS if scores.variants.get(v) is not None}
    return {
        k
        for k in scores.values()
        if k.split(".", 1)[0] not in SCORE_VARIANTS or k.split(".", 1)[0] in forms
    }


@cli.command()
@click.argument("comment_id")
@store_option
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(path_type=Path),
    help="Rule file [default: the configured one].",
)
@config_option
def explain(
    comment_id: str, db: str | None, rules_file: Path | None, config_file: Path | None
) -> None:
    """Explain every rule's verdict on one stored comment, matched or not, and why.

    Example:

        moderation explain c87bf544aea745b98
    """
    from moderation.core import Moderator
    from moderation.settings import load_settings
    from moderation.store import open_store

    settings = load_settings(config_file, db=db, rules=rules_file)
    store = open_store(settings.db_url, create=False)
    try:
        explained = Moderator.from_settings(settings, store).explain(comment_id)
    finally:
        store.close()
    if explained is None:
        raise ModerationError(f"no scored comment '{comment_id}' in the store")
    stored, decision = explained.stored, explained.decision
    comment = stored.comment
    winner = decision.matches[0] if decision.action else None
    click.echo(
        f"{comment.id} by {comment.author} (comment {comment.position}, depth {comment.depth})"
    )
    click.echo(f"  text:  {' '.join(comment.text.split())}")
    if comment.quote:
        click.echo(f"  quote: {' '.join(comment.quote.split())}")
    # A form's scores are shown where its text differs from the comment's (see rules/reading.py).
    shown = _own_names(stored.scores)
    scores = ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(stored.scores.values().items()) if k in shown
    )
    click.echo(f"  scores: {scores or 'none'}")
    click.echo(
        f"  decision under {decision.ruleset}: {winner.action.value + ' by ' + winner.rule_id if winner else 'no rule acts'}"
    )
    if stored.review:
        click.echo(f"  moderators: {stored.review}")
    for rule, matched, evidence in explained.trace:
        state = "MATCH" if matched else "no"
        mode = " (shadow: recorded, takes no action)" if rule.shadow else ""
        click.echo(f"\n{state:5} {rule.id} [{rule.action.value}, priority {rule.priority}]{mode}")
        for item in evidence:
            click.echo(f"      {'+' if item.holds else '-'} {item.reason}")
