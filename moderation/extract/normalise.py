"""Unicode clean-up, so that text copied from pages compares and matches as readers see it."""

from __future__ import annotations

import re

import ftfy

# Invisible characters that split words without showing: zero-width space and non-joiner,
# word joiner, byte-order mark, soft hyphen. The zero-width joiner stays: emoji need it.
_INVISIBLE = re.compile("[\u200b\u200c\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalise_page(text: str) -> str:
    """Fix mojibake, fold compatibility forms (NBSP, full-width letters), drop invisibles.

    Leading indentation is kept: layouts use it to see which comment nests under which.
    """
    text = ftfy.fix_text(text, normalization="NFKC")
    text = _INVISIBLE.sub("", text)
    return "\n".join(line.expandtabs(4).rstrip() for line in text.split("\n"))


def normalise_body(lines: list[str]) -> str:
    """Join a comment's lines into its text: single spaces, paragraphs kept, ends trimmed."""
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in lines)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def fold(text: str) -> str:
    """Case- and space-insensitive form, for deciding whether two texts are the same words."""
    return " ".join(text.casefold().split())


def normalise_text(text: str) -> str:
    """A comment body from an archive: Unicode repaired and spaces tidied, as for pages."""
    return normalise_body(normalise_page(text).split("\n"))
