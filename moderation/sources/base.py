"""What every source reader shares: options, what it yields, and opening files as streams."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from moderation.errors import InputError
from moderation.records import Article, Comment

OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


@dataclass(frozen=True)
class SourceOptions:
    """How to read sources: a forced format, and a field mapping for JSON Lines and CSV."""

    format: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # our field -> the export's field
    preset: str | None = None  # reddit | hackernews
    records: str | None = None  # a jq program picking the comment records out of JSON


@dataclass(frozen=True)
class Found:
    """One comment read from a source."""

    article: Article
    comment: Comment
    where: str  # "file:line" or "file:record N"
    # The record's own fields, where the format has them (JSON, CSV): labels for `evaluate`.
    record: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


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
            return io.BufferedReader(_ZstdReader(path.open("rb")))
        if suffix in OPENERS:
            return OPENERS[suffix](path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another, decompressed; a stream cut inside a frame
    raises EOFError, as gzip's reader does. (zstandard's own stream reader ends quietly
    there, so a truncated archive would read as a complete, shorter one.)"""

    def __init__(self, raw: IO[bytes]) -> None:
        import zstandard

        self._raw = raw
        self._error = zstandard.ZstdError
        self._new = zstandard.ZstdDecompressor().decompressobj
        self._frame = self._new()
        self._in_frame = False  # some of the current frame has been read
        self._out = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._out:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                if self._in_frame:
                    raise EOFError("compressed stream ends before the end of its frame")
                return 0
            while chunk:
                self._in_frame = True
                try:
                    self._out += self._frame.decompress(chunk)
                except self._error as exc:  # as gzip and lzma do: an OSError
                    raise OSError(f"not valid zstd data ({exc})") from None
                chunk = b""
                if self._frame.eof:  # a frame ended: what follows starts the next one
                    chunk = self._frame.unused_data
                    self._frame, self._in_frame = self._new(), False
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


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


def guarded(
    path: Path, line: int | None, make: Callable[..., Found | Bad], *args, what: str = ""
) -> Found | Bad:
    """A record made into a comment, or a `Bad` when its fields have types no export should
    have (a number where text belongs, a list for an author): one record, not the run."""
    try:
        return make(*args)
    except UnicodeEncodeError:  # a ValueError too: first
        field = next((f for arg in args for f in _unencodable(arg)), "text that")
        return Bad(str(path), line, f"{what}{field} is not valid Unicode (a lone surrogate)")
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return Bad(
            str(path), line, f"{what}a field of the wrong type ({type(exc).__name__}: {exc})"
        )


def _unencodable(raw: object) -> list[str]:
    """Names of a raw record's fields whose text is not valid Unicode."""
    if not isinstance(raw, dict):
        return []
    return [str(k) for k, v in raw.items() if isinstance(v, str) and not _encodes(v)]


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(record: Found | Bad) -> Found | Bad:
    """The record, or a `Bad` if any of its text is not valid Unicode (a lone surrogate such as
    \\ud800, which JSON allows): such text could be neither stored nor scored; or if a visible
    comment has no words at all, which is reported rather than stored as an empty comment."""
    if isinstance(record, Bad):
        return record
    comment = record.comment
    if comment.status == "visible" and not (comment.text.strip() or comment.quote):
        path, _, line = record.where.rpartition(":")
        return (
            Bad(path, int(line), "an empty comment (no text)")
            if line.isdigit()
            else Bad(record.where, None, "an empty comment (no text)")
        )
    for item in (record.comment, record.article):
        for name, value in vars(item).items():
            if isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    line = record.where.rsplit(":", 1)[-1]
                    return Bad(
                        record.where.rsplit(":", 1)[0] if line.isdigit() else record.where,
                        int(line) if line.isdigit() else None,
                        f"{name} is not valid Unicode (a lone surrogate)",
                    )
    return record
