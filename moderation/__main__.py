"""`python -m moderation` runs the same command line as `moderation`."""

from moderation.cli import cli

cli(prog_name="moderation")
