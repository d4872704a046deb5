"""`moderation models`: get the toxicity model ready before a run needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from moderation.cli.base import cli, model_options


@cli.group()
def models() -> None:
    """The toxicity model: download it and prepare it for this machine. Example:

    moderation models fetch
    """


@models.command()
@model_options
def fetch(config_file: Path | None, **options: Any) -> None:
    """Download the Detoxify model now and prepare its fastest faithful precision here.

    Runs fall back to alt-profanity-check for a day after a failed download, so offline
    runs do not try again each time; this tries at once. Example:

        moderation models fetch --model unbiased
    """
    from moderation.scoring.toxicity import fetch_weights
    from moderation.settings import load_settings

    settings = load_settings(config_file, **options)
    scorer = fetch_weights(settings.toxicity)
    click.echo(f"Ready: {scorer.model_id}")
    click.echo(f"Precision: {scorer.choice}")
