"""Evasion undone: the text as its writer meant it to be read.

Writers dodge word lists and models by spelling words out ("g a y"), stretching them
("gaaay"), writing leetspeak ("w3tback") or look-alike letters from other alphabets,
swapping two letters ("klil"), dropping one ("wmen") or running words together
("killallmuslims"). `deobfuscate` reverses each of these for the words a rule file cares
about (its `Vocabulary`: list words, identity terms, the words threats and attacks are
made of), and keeps for each character of the result where it came from, so matches found
in it are highlighted in the original text.

A word is only corrected where it is not an English word itself ("skill" never becomes
"kill"); English is symspellpy's dictionary of 82,765 words, and its word segmentation
splits run-together words. Both load on the first comment that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from moderation.rules.matching import skeleton

_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*/][a-z]){2,}(?![a-z0-9])")
_SEPARATORS = re.compile(r"[ .\-_*/]")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z]+")
_DICTIONARY = "frequency_dictionary_en_82_765.txt"
MIN_RUN_TOGETHER = 6  # shorter unknown tokens are names and typos, not hidden phrases


@dataclass(frozen=True)
class Plain:
    """De-obfuscated, lower-case text, and each of its characters' offset in the original."""

    text: str
    origin: tuple[int, ...] | None  # None: same length and place as the original
    changed: bool  # whether a word was revealed (beyond case, leetspeak and look-alikes)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original text of characters start..end of this one."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1 if end > start else self.origin[start]


class Vocabulary:
    """The words evasion hides from a rule file, and their misspelled forms."""

    def __init__(self, words: Iterable[str], preferred: Iterable[str] = ()) -> None:
        """`preferred` words win where a misspelling could be either ("sht": shot, not shit)."""
        first = [w for word in preferred for w in skeleton(word).split()]
        rest = [w for word in words for w in skeleton(word).split()]
        self.words = frozenset(w for w in first + rest if len(w) >= 3 and w.isalpha())
        english = english_words()
        self.variants: dict[str, str] = {}
        ordered = dict.fromkeys([*first, *sorted(rest)])
        for word in (w for w in ordered if w in self.words):
            for variant in _misspellings(word):
                if variant not in english and variant not in self.words:
                    self.variants.setdefault(variant, word)

    def forms(self) -> set[str]:
        """Every misspelled form, for the rule file's one-pass scan (see matching.FormIndex)."""
        return set(self.variants)

    def correct(self, token: str) -> str | None:
        """The vocabulary word a non-English token hides, or None."""
        if token in self.words or token in english_words():
            return None
        word = self.variants.get(token)
        if word is not None:
            return word
        if len(token) >= MIN_RUN_TOGETHER and any(w in token for w in self.words):
            split = segmenter().word_segmentation(token).corrected_string
            if any(part in self.words for part in split.split()):
                return split
        return None


def deobfuscate(text: str, vocabulary: Vocabulary) -> Plain:
    """The text with evasion undone (see the module's docstring)."""
    plain = seen = skeleton(text)
    origin: list[int] | None = None
    if _SPACED.search(plain):
        plain, origin = _rewrite(plain, origin, _SPACED, lambda m: _SEPARATORS.sub("", m[0]))
    if _STRETCHED.search(plain):
        plain, origin = _rewrite(plain, origin, _STRETCHED, lambda m: m[1])
    corrections = {}
    for token in set(_TOKEN.findall(plain)):
        word = vocabulary.correct(token) if len(token) >= 2 else None
        if word is not None:
            corrections[token] = word
    if corrections:
        plain, origin = _rewrite(plain, origin, _TOKEN, lambda m: corrections.get(m[0], m[0]))
    # Changed where it shows a word of the vocabulary that the text did not: "blaaah" is
    # not evasion, "g a y" is.
    shown = vocabulary.words.intersection(_TOKEN.findall(plain))
    changed = bool(shown - vocabulary.words.intersection(_TOKEN.findall(seen)))
    return Plain(plain, tuple(origin) if origin is not None else None, changed)


def _rewrite(
    text: str,
    origin: list[int] | None,
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
) -> tuple[str, list[int]]:
    """Replace each match, keeping every new character's offset in the original."""
    origin = origin if origin is not None else list(range(len(text)))
    parts: list[str] = []
    places: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        new = replace(match)
        if new == match[0]:
            continue
        start, end = match.span()
        parts.append(text[last:start])
        places += origin[last:start]
        parts.append(new)
        if len(new) != end - start:  # spread the new characters over the old ones
            places += [
                origin[start + i * (end - start) // max(len(new), 1)] for i in range(len(new))
            ]
        else:
            places += origin[start:end]
        last = end
    parts.append(text[last:])
    places += origin[last:]
    return "".join(parts), places


def misspelled_forms(words: Iterable[str]) -> frozenset[str]:
    """Each single word's misspellings that are not English, as the one-pass scan sees them."""
    english = english_words()
    found = set()
    for word in words:
        plain = skeleton(" ".join(word.split()))
        if " " in plain or len(plain) < 3 or not plain.isalpha():
            continue
        # A word of three letters, less one, is in too many others: only its swaps count.
        found |= {v for v in _misspellings(plain, shortest=3) if v not in english}
    return frozenset(found)


def _misspellings(word: str, shortest: int = 2) -> set[str]:
    """Two neighbouring letters swapped, or one dropped (leaving `shortest` letters at least)."""
    found = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    if len(word) > shortest:
        found |= {word[:i] + word[i + 1 :] for i in range(len(word))}
    found.discard(word)
    return found


@cache
def english_words() -> frozenset[str]:
    """Common English words (symspellpy's frequency dictionary)."""
    text = resources.files("symspellpy").joinpath(_DICTIONARY).read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


@cache
def segmenter():  # -> symspellpy.SymSpell, imported here: it takes a second to load
    """symspellpy's word segmentation over its English dictionary."""
    from symspellpy import SymSpell

    symspell = SymSpell(max_dictionary_edit_distance=0, prefix_length=7)
    symspell.load_dictionary(
        str(resources.files("symspellpy").joinpath(_DICTIONARY)), term_index=0, count_index=1
    )
    return symspell
