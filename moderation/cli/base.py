"""The `moderation` command group and what its commands share.

Each command parses options, calls one library function, and prints the result: results
to stdout, progress and warnings to stderr, and errors a user can fix as one line with a
non-zero exit code.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from moderation.errors import ModerationError


class _Group(click.Group):
    """A group that shows library errors as one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModerationError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group)
@click.version_option(package_name="moderation")
def cli() -> None:
    """Pull reader comments out of pages, score them, apply rules, queue what they flag.

    Start with `moderation score seeds/`, then `moderation flags`.
    """
    package_logger = logging.getLogger("moderation")
    if not any(isinstance(h, _StderrHandler) for h in package_logger.handlers):
        package_logger.addHandler(_StderrHandler(logging.WARNING))


class _StderrHandler(logging.Handler):
    """Library warnings as `warning: ...` lines on whatever stderr is when they happen."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def store_option(command: Callable) -> Callable:
    """--db, shared by every command that reads or writes the store."""
    return click.option(
        "--db",
        metavar="URL",
        help="Store: a SQLite file or SQLAlchemy URL [default: moderation.db, or $MODERATION_DB].",
    )(command)


def config_option(command: Callable) -> Callable:
    """--config: a settings file to use instead of ./moderation.toml."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(exists=True, path_type=Path),
        help="Settings file [default: ./moderation.toml, or $MODERATION_CONFIG].",
    )(command)


def model_options(command: Callable) -> Callable:
    """Which toxicity model, where it runs and in what precision; and --config."""
    options = [
        click.option(
            "--model",
            "toxicity_model",
            help="Detoxify model: original, unbiased (default), multilingual, original-small, unbiased-small.",
        ),
        click.option(
            "--device",
            "toxicity_device",
            help="Where the model runs: cpu (default), cuda, cuda:1, ...",
        ),
        click.option(
            "--checkpoint",
            "toxicity_checkpoint",
            type=click.Path(path_type=Path),
            help="Local Detoxify checkpoint file, for offline use.",
        ),
        click.option(
            "--config-dir",
            "toxicity_config_dir",
            type=click.Path(path_type=Path),
            help="Folder with the checkpoint's Hugging Face config and tokenizer files.",
        ),
        click.option(
            "--precision",
            "toxicity_precision",
            type=click.Choice(["auto", "fp32", "int8", "bf16", "fp16"]),
            help="Model precision. auto: the fastest one faithful to fp32 on this machine, measured once and kept. int8 (ONNX Runtime, CPU), bf16 (native bf16 hardware) and fp16 (GPUs) are used only if faithful to fp32 and faster here [default: auto].",
        ),
        config_option,
    ]
    return functools.reduce(lambda cmd, option: option(cmd), reversed(options), command)


def scoring_options(command: Callable) -> Callable:
    """Rule-file and model options for commands that score."""
    options = [
        click.option(
            "--rules",
            type=click.Path(path_type=Path),
            help="Rule file [default: rules/default.yml].",
        ),
        click.option(
            "--fallback/--no-fallback",
            "toxicity_fallback",
            default=None,
            help="Score with alt-profanity-check when Detoxify weights cannot be had [default: on].",
        ),
        model_options,
    ]
    return functools.reduce(lambda cmd, option: option(cmd), reversed(options), command)
