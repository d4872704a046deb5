"""The `moderation` command line: `moderation --help` lists the commands."""

from moderation.cli import rules, scoring, web
from moderation.cli.base import cli

__all__ = ["cli", "rules", "scoring", "web"]
