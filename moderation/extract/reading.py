"""Reading input files: finding them, decompressing, decoding, refusing what is not text."""

from __future__ import annotations

import logging
import lzma
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from moderation.errors import InputError
from moderation.sources.base import open_binary

logger = logging.getLogger(__name__)

# A page's text is kilobytes; anything this large is an archive and needs an archive reader.
MAX_PAGE_BYTES = 20 * 1024 * 1024


def iter_input_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Yield the files named, walking directories in name order and skipping hidden files.

    A link inside a folder that leads out of it is skipped (with a warning): a folder of
    exports must not pull in, say, the system's password file.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if not child.is_file() or hidden:
                    continue
                if not child.resolve().is_relative_to(root):
                    logger.warning("skipped %s: a link out of %s", child, path)
                    continue
                yield child
        elif path.is_file():
            yield path
        else:
            raise InputError(path, "no such file or directory")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed by the opener every source uses (.gz, .bz2, .xz, .zst)."""
    try:
        with open_binary(path) as stream:
            data = stream.read(MAX_PAGE_BYTES + 1)
    except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise InputError(path, exc.strerror or "cannot be read") from None
        raise InputError(path, f"{path.suffix} stream is truncated or corrupt ({exc})") from None
    if len(data) > MAX_PAGE_BYTES:
        compressed = path.suffix.lower() in (".gz", ".bz2", ".xz", ".zst")
        raise InputError(
            path,
            f"decompresses to more than {_mib(MAX_PAGE_BYTES)}, too large for a page"
            if compressed
            else f"file is larger than {_mib(MAX_PAGE_BYTES)}, too large for a page",
        )
    return data


def read_text(path: Path) -> str:
    """The file decoded as UTF-8; a clear error naming the line if it is not text."""
    data = read_bytes(path)
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary data, not text (NUL bytes near the start)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise InputError(
            path, f"byte 0x{byte} is not valid UTF-8 (save the file as UTF-8)", line=line
        ) from None


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"
