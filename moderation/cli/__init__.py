"""The `moderation` command line: `moderation --help` lists the commands."""

from moderation.cli import live, rules, scoring, web
from moderation.cli.base import cli

__all__ = ["cli", "live", "rules", "scoring", "web"]
