"""Word-list matching that survives evasion without the Scunthorpe problem.

A list with `normalise: true` is matched against a skeleton of the text in which
look-alike letters (Cyrillic "\u0430", accented "é", full-width) become plain ASCII, case is
folded and leetspeak inside words is read as letters (`1d10t`). Each of these changes one
character into one character, so offsets into the skeleton are offsets into the original
text. Stretched letters (`stuuupid`) and letters spelled out with spaces or dots
(`i d i o t`, `i.d.i.o.t`) are handled by the list's pattern instead: every letter may
repeat and may be followed by one separator. An allow list names words that contain a
listed word but must never match (`Scunthorpe`, `classic`, `assess`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Leetspeak read as letters, only inside a word that also has letters (so "2015" and
# "idiot!" stay as they are).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})  # fmt: skip
_LEET_CHARS = re.compile(r"[013457-9@$!|+]")
_WORD_END_PUNCTUATION = ".,;:!?)]}\"'"
_LETTER_SEPARATOR = r"[ .\-_*/]"  # "i d i o t", "i.d.i.o.t", "i-d-i-o-t"


@cache
def _fold_table() -> dict[int, str]:
    """One-to-one map from look-alike and accented characters to ASCII, built once."""
    table: dict[int, str] = {0x130: "i"}  # "İ".lower() is two characters; keep it one
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text()
    )
    for char, glyphs in data.items():
        if len(char) == 1 and not char.isascii():
            ascii_glyphs = [
                g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()
            ]
            if ascii_glyphs:
                table[ord(char)] = ascii_glyphs[0].lower()
    for code in range(0xC0, 0x10000):  # compatibility forms (full-width) and accented letters
        char = chr(code)
        for form in (unicodedata.normalize("NFKC", char), unicodedata.normalize("NFD", char)[:1]):
            if len(form) == 1 and form.isascii() and form.isalnum():
                table.setdefault(code, form.lower())
                break
    return table


def skeleton(text: str) -> str:
    """The text with look-alikes folded to ASCII, lower case, leetspeak read: same length."""
    folded = text.translate(_fold_table()).lower()
    if len(folded) != len(text):  # a character lower-cased to two; fold one at a time
        folded = "".join(c.lower()[0] for c in text.translate(_fold_table()))
    return _leet_read(folded)


def _leet_read(text: str) -> str:
    """Read leetspeak as letters in the words that have both (same length out as in)."""
    words: dict[int, int] = {}
    for hit in _LEET_CHARS.finditer(text):
        start = max(text.rfind(" ", 0, hit.start()), text.rfind("\n", 0, hit.start())) + 1
        if start not in words:
            ends = [
                i for i in (text.find(" ", hit.start()), text.find("\n", hit.start())) if i >= 0
            ]
            words[start] = min(ends, default=len(text))
    if not words:
        return text
    parts, last = [], 0
    for start, end in sorted(words.items()):
        word = text[start:end]
        core = word.rstrip(_WORD_END_PUNCTUATION)  # "idiot!" ends a sentence; "!d!ot" is leet
        if any("a" <= c <= "z" for c in core):
            word = core.translate(_LEET) + word[len(core) :]
        parts += [text[last:start], word]
        last = end
    parts.append(text[last:])
    return "".join(parts)


@dataclass(frozen=True)
class WordMatcher:
    """A word list compiled for matching: plainly, or against the normalised skeleton."""

    pattern: re.Pattern[str]
    normalise: bool
    allow: frozenset[str]

    @classmethod
    def compile(
        cls,
        words: Iterable[str],
        normalise: bool = False,
        allow: Iterable[str] = (),
        whole_words: bool = True,
    ) -> WordMatcher:
        """One regular expression for the whole list, longest phrases first."""
        forms = sorted(
            {_word_form(w, normalise) for w in words if w.strip()}, key=len, reverse=True
        )
        spell = _evasive if normalise else re.escape
        body = "|".join(r"\s+".join(spell(part) for part in form.split()) for form in forms)
        word_char = r"[a-z0-9]" if normalise else r"\w"
        if whole_words:
            body = rf"(?<!{word_char})(?:{body})(?!{word_char})"
        flags = 0 if normalise else re.IGNORECASE
        allowed = frozenset(_word_form(a, normalise).casefold() for a in allow)
        return cls(re.compile(body, flags), normalise, allowed)

    def search(self, text: str, cached: dict | None = None) -> bool:
        """Whether any listed word occurs (and is not part of an allowed word)."""
        return next(self.finditer(text, cached), None) is not None

    def finditer(self, text: str, cached: dict | None = None) -> Iterator[tuple[int, int]]:
        """(start, end) of each match, as offsets into the original text."""
        haystack = self._haystack(text, cached)
        for match in self.pattern.finditer(haystack):
            if (
                self.allow
                and _enclosing_word(haystack, match.start(), match.end()).casefold() in self.allow
            ):
                continue
            yield match.span()

    def _haystack(self, text: str, cached: dict | None) -> str:
        if not self.normalise:
            return text
        if cached is None:
            return skeleton(text)
        if text not in cached:
            cached[text] = skeleton(text)
        return cached[text]


def _evasive(word: str) -> str:
    """Pattern for one word: letters together, each may be stretched ("stuuupid"), or one
    separator between every letter ("i d i o t"); never a mix, which would let "as s" in
    "as soon" spell "ass"."""
    letters = [f"{re.escape(c)}+" for c in word]
    if len(word) < 2:
        return letters[0] if letters else ""
    return f"(?:{''.join(letters)}|{_LETTER_SEPARATOR.join(letters)})"


def _word_form(word: str, normalise: bool) -> str:
    word = " ".join(word.split())
    return skeleton(word) if normalise else word


def _enclosing_word(text: str, start: int, end: int) -> str:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]
