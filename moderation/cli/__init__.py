"""The `moderation` command line: `moderation --help` lists the commands."""

from moderation.cli import live, models, rules, scoring, web
from moderation.cli.base import cli

__all__ = ["cli", "live", "models", "rules", "scoring", "web"]
