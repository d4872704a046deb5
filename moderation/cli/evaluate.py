"""`moderation evaluate`: what a rule file is worth, measured on labelled comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from moderation.cli.base import cli, scoring_options
from moderation.cli.scoring import _mapping, _progress, source_options

SHOWN_SCORES = 12  # the report lists the scores with the best AUC first


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--label",
    required=True,
    metavar="COLUMN",
    help="The column (field) that holds each comment's label.",
)
@click.option(
    "--positive",
    multiple=True,
    metavar="VALUE",
    help="A label value that means the comment should be flagged; repeat for several "
    "[default: 1, true, yes, toxic, hate, or a number >= 0.5].",
)
@click.option(
    "--group",
    metavar="COLUMN",
    help="Also report flag rates and accuracy per value of this column.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of tables.")
@scoring_options
@source_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def evaluate(
    paths: tuple[Path, ...], label: str, positive: tuple[str, ...], group: str | None,
    as_json: bool, input_format: str | None, mapping: str | None, preset: str | None,
    records: str | None, strict: bool, quiet: bool, config_file: Path | None, **options: Any,
) -> None:  # fmt: skip
    """Measure a rule file against labelled comments, before it goes live.

    Reads any input `score` reads; "flagged" is any action but approve. Reports
    precision, recall and F1 of the whole file; per rule its matches, false flags and
    what it alone adds; each score's AUC and best single threshold; flag rates per
    --group value and per identity term found in the text. Nothing is stored. Example:

        moderation evaluate labelled.csv --label toxic --group category --rules rules/new.yml
    """
    from moderation.core import Moderator
    from moderation.evaluation import evaluate as measure
    from moderation.pipeline import read_comments
    from moderation.settings import load_settings
    from moderation.sources import SourceOptions

    settings = load_settings(config_file, **options)
    sources = SourceOptions(input_format, _mapping(mapping), preset, records)
    moderator = Moderator.from_settings(settings)
    try:
        with _progress(quiet) as bar:
            bar.start(None)
            found = read_comments(list(paths), sources, strict)
            result = measure(moderator, found, label, positive, group, bar.advance)
    finally:
        moderator.close()
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    _echo_report(result.as_dict(), group)


def _echo_report(report: dict, group: str | None) -> None:
    overall = report["overall"]
    click.echo(f"Rules {report['ruleset']}, scored by {report['model']}")
    click.echo(
        f"{overall['tp'] + overall['fn']:,} labelled positive, {overall['fp'] + overall['tn']:,} "
        f"negative" + (f", {report['unlabelled']:,} without a label (left out)" if report["unlabelled"] else "")
    )  # fmt: skip
    click.echo(
        f"\nprecision {_n(overall['precision'])}  recall {_n(overall['recall'])}  "
        f"F1 {_n(overall['f1'])}  accuracy {_n(overall['accuracy'])}"
    )
    click.echo(f"{'':18}{'labelled +':>11}{'labelled -':>11}")
    click.echo(f"{'flagged':18}{overall['tp']:>11,}{overall['fp']:>11,}")
    click.echo(f"{'not flagged':18}{overall['fn']:>11,}{overall['tn']:>11,}")

    click.echo(f"\n{'RULE':26}{'MATCHES':>8}{'FALSE':>7}{'ALONE +':>9}{'ALONE -':>9}")
    for rule_id, counts in report["rules"].items():
        name = rule_id + (" (shadow)" if counts["shadow"] else "")
        click.echo(
            f"{name:26}{counts['matches']:>8,}{counts['false_flags']:>7,}"
            f"{counts['alone_true']:>9,}{counts['alone_false']:>9,}"
        )
    click.echo("  FALSE: matches labelled negative. ALONE: flagged by this rule and no other.")

    ranked = sorted(
        ((name, q) for name, q in report["scores"].items() if q["auc"] is not None),
        key=lambda item: -abs(item[1]["auc"] - 0.5),
    )
    if ranked:
        click.echo(f"\n{'SCORE':34}{'AUC':>7}{'BEST F1':>9}{'AT':>7}")
        for name, quality in ranked[:SHOWN_SCORES]:
            click.echo(
                f"{name:34}{quality['auc']:>7.3f}{_n(quality['best_f1']):>9}"
                f"{_n(quality['best_threshold']):>7}"
            )
        click.echo("  BEST F1: flagging every comment with the score at or above AT, alone.")
    for title, table in ((group, report["groups"]), ("identity term", report["identity_terms"])):
        if title and table:
            click.echo(
                f"\n{title.upper()[:20]:20}{'COMMENTS':>9}{'FLAGGED':>9}{'FALSE':>7}{'ACCURACY':>10}"
            )
            for name, counts in sorted(table.items()):
                click.echo(
                    f"{name[:20]:20}{counts['tp'] + counts['fp'] + counts['fn'] + counts['tn']:>9,}"
                    f"{_n(counts['flag_rate']):>9}{_n(counts['false_flag_rate']):>7}"
                    f"{_n(counts['accuracy']):>10}"
                )
            click.echo("  FLAGGED: share flagged. FALSE: share of those labelled negative flagged.")


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
