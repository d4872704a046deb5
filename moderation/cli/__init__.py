"""The `moderation` command line: `moderation --help` lists the commands."""

from moderation.cli import db, evaluate, live, models, rules, scoring, web
from moderation.cli.base import cli

__all__ = ["cli", "db", "evaluate", "live", "models", "rules", "scoring", "web"]
