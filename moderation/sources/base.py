"""What every source reader shares: options, what it yields, and opening files as streams."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from moderation.errors import InputError
from moderation.records import Article, Comment

OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


@dataclass(frozen=True)
class SourceOptions:
    """How to read sources: a forced format, and a field mapping for JSON Lines and CSV."""

    format: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # our field -> the export's field
    preset: str | None = None  # reddit | hackernews


@dataclass(frozen=True)
class Found:
    """One comment read from a source."""

    article: Article
    comment: Comment
    where: str  # "file:line" or "file:record N"


@dataclass(frozen=True)
class Bad:
    """A record that could not be read: skipped (or, with --strict, the end of the run)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


def open_binary(path: Path) -> IO[bytes]:
    """The file as a byte stream, decompressed on the fly (.gz, .bz2, .xz, .zst)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".zst":
            import zstandard

            return zstandard.ZstdDecompressor().stream_reader(
                path.open("rb"), read_across_frames=True
            )
        if suffix in OPENERS:
            return OPENERS[suffix](path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of each line, streaming; a truncated stream is an error."""
    with open_binary(path) as stream:
        buffered = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream
        number = 0
        try:
            for number, raw in enumerate(buffered, start=1):
                yield number, raw
        except (EOFError, OSError) as exc:
            raise InputError(path, f"stream ends early after line {number} ({exc})") from None


def sniff(path: Path, size: int = 4096) -> bytes:
    """The first bytes of the (decompressed) file, to tell formats apart."""
    try:
        with open_binary(path) as stream:
            return stream.read(size)
    except (EOFError, OSError):
        return b""


def decode(raw: bytes, path: Path, line: int) -> str | Bad:
    """A line as text, or a `Bad` naming the invalid byte."""
    try:
        return raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return Bad(
            str(path), line, f"byte 0x{raw[exc.start : exc.start + 1].hex()} is not valid UTF-8"
        )
