"""Evasion undone: the text as its writer meant it to be read.

Writers dodge word lists and models by spelling words out ("g a y"), stretching them
("gaaay"), writing leetspeak ("w3tback") or look-alike letters from other alphabets,
swapping two letters ("klil"), dropping one ("wmen") or running words together
("killallmuslims"). `deobfuscate` reverses each of these for the words a rule file cares
about (its `Vocabulary`: list words, identity terms, the words threats and attacks are
made of), and keeps for each character of the result where it came from, so matches found
in it are highlighted in the original text.

A word is only corrected where it is not an English word itself ("skill" never becomes
"kill"). English is symspellpy's dictionary of 82,765 words; its most frequent words and
pairs of words also decide which misspellings the rule file's one-pass scan looks for
(see `misspelled_forms`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from moderation.rules.matching import skeleton, spells_out

_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*/][a-z]){2,}(?![a-z0-9])")
_SEPARATORS = re.compile(r"[ .\-_*/]")
_SEPARATOR_RUNS = re.compile(r"[\s.\-_*/]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z]+")
_DICTIONARY = "frequency_dictionary_en_82_765.txt"
_BIGRAMS = "frequency_bigramdictionary_en_243_342.txt"
MIN_RUN_TOGETHER = 6  # shorter unknown tokens are names and typos, not hidden phrases
MAX_RUN_TOGETHER = 40  # longer ones are not split (the split looks at every pair of places)


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
        # Words hidden in a run-together token ("killallmuslims").
        inside = sorted(self.words, key=len, reverse=True)
        self._inside = re.compile("|".join(map(re.escape, inside))) if inside else None
        ordered = dict.fromkeys([*first, *sorted(rest)])
        for word in (w for w in ordered if w in self.words):
            for variant in _misspellings(word):
                if variant not in english and variant not in self.words:
                    self.variants.setdefault(variant, word)

    def correct(self, token: str) -> str | None:
        """The vocabulary word a non-English token hides, or None."""
        if token in self.words or token in english_words():
            return None
        word = self.variants.get(token)
        if word is not None:
            return word
        if (
            MIN_RUN_TOGETHER <= len(token) <= MAX_RUN_TOGETHER
            and self._inside
            and self._inside.search(token)
        ):
            return self._split(token)
        return None

    def _split(self, token: str) -> str | None:
        """The token as the fewest English and vocabulary words, one of them the vocabulary's.

        Hand-written rather than symspellpy's word segmentation: that takes seconds to build
        its index, and splits by English frequency alone ("wetback" -> "wet back").
        """
        english = english_words()
        # best[i]: (words, vocabulary words) of the best split of token[:i]
        best: list[tuple[int, int, list[str]] | None] = [(0, 0, [])] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(end):
                piece, before = token[start:end], best[start]
                if before is None or not (piece in self.words or _english_piece(piece, english)):
                    continue
                candidate = (before[0] + 1, before[1] - (piece in self.words), [*before[2], piece])
                if best[end] is None or candidate[:2] < best[end][:2]:
                    best[end] = candidate
        found = best[-1]
        return " ".join(found[2]) if found and found[1] < 0 and found[0] > 1 else None


def deobfuscate(text: str, vocabulary: Vocabulary) -> Plain:
    """The text with evasion undone (see the module's docstring)."""
    plain = seen = skeleton(text)
    origin: list[int] | None = None
    if _SPACED.search(plain):
        plain, origin = _rewrite(plain, origin, _SPACED, lambda m: _SEPARATORS.sub("", m[0]))
    if _STRETCHED.search(plain):
        plain, origin = _rewrite(plain, origin, _STRETCHED, lambda m: m[1])
    corrections = {}
    # Only tokens that are neither English nor the vocabulary's own can hide a word.
    tokens = set(_TOKEN.findall(plain))
    for token in tokens - english_words() - vocabulary.words:
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


MIN_SCANNED = 3  # shorter misspellings are inside too many other words to be worth a look


def hides_word(form: str, lowered: str) -> bool:
    """Whether the lower-cased text has the scanned form as something other than part of an
    English word: run together with others ("shouldallbeshot"), spelled out ("h a t e"),
    in leetspeak or look-alike letters ("h4te"), stretched ("haaate"). The scan reads text
    without spaces, so a form may also only span two words ("what ever" has "hate"): that
    hides nothing."""
    if form in lowered:
        english = english_words()
        at = lowered.find(form)
        while at >= 0:
            start, end = at, at + len(form)
            while start > 0 and lowered[start - 1].isalpha():
                start -= 1
            while end < len(lowered) and lowered[end].isalpha():
                end += 1
            if lowered[start:end] not in english:
                return True
            at = lowered.find(form, end)
        return False  # only ever inside English words ("hang" in "change")
    if form in _without_separators(lowered):  # across words, or spelled out
        return spells_out(form, lowered)
    if lowered.isascii() and not any(c in lowered for c in "0134579@$!|+"):
        plain = lowered
    else:
        plain = skeleton(lowered)
        if form in plain:
            return True
    # stretched ("haaate"): only a letter of the form written three times can be
    return any(c * 3 in plain for c in set(form)) and form in _STRETCHED.sub(r"\1", plain)


def _without_separators(text: str) -> str:
    if text.isascii():
        return text.encode().translate(None, b" \t\n\r\f\v.-_*/").decode()
    return _SEPARATOR_RUNS.sub("", text)


def shown_as_words(forms: Iterable[str], lowered: str) -> bool:
    """Whether any of the (misspelled) forms is a whole word of the lower-cased text: the
    one-pass scan reads the text without spaces, so "deth" is in "made the"."""
    return any(form in lowered and _as_word(form).search(lowered) is not None for form in forms)


@cache
def _as_word(form: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(form)}(?![a-z])")


def misspelled_forms(words: Iterable[str]) -> frozenset[str]:
    """Each single word's misspellings, as the one-pass scan looks for them (without
    spaces): not English, and not in common words or pairs of words ("nothing" less its
    "n" is in every "something"; "death" as "deth" in every "made the")."""
    candidates = {m for word in words for m in misspellings_of(word) if len(m) >= MIN_SCANNED}
    return frozenset(candidates - _in_common_text(frozenset(candidates)))


@cache
def _in_common_text(forms: frozenset[str]) -> frozenset[str]:
    from moderation.rules.matching import _FormSet

    if not forms:
        return frozenset()
    return frozenset(form for _, form in _FormSet([("", f) for f in forms]).search(_common_text()))


@cache
def _common_text() -> bytes:
    """The 10,000 most frequent English words and 40,000 most frequent pairs of words,
    squeezed as the scan reads text, one after another."""
    return "|".join([*_frequent(10_000), *_frequent_pairs(40_000)]).encode()


def _frequent_pairs(count: int) -> list[str]:
    """The `count` most frequent pairs of words, squeezed, most frequent first (ties in
    reverse alphabetical order). Every run reads all 242,000 pairs: sorting them all took
    most of a second of each command's start, so only the pairs at or above the
    `count`-th highest frequency are sorted."""
    fields = resources.files("symspellpy").joinpath(_BIGRAMS).read_text(encoding="utf-8").split()
    frequencies = [int(n) for n in fields[2::3]]
    lowest = sorted(frequencies, reverse=True)[count - 1]  # integers sort fast; heapq is slower
    pairs = [
        (frequency, first + second)
        for first, second, frequency in zip(fields[0::3], fields[1::3], frequencies, strict=True)
        if frequency >= lowest
    ]
    pairs.sort(reverse=True)
    return [pair for _, pair in pairs[:count]]


def misspellings_of(word: str) -> set[str]:
    """A single word's misspellings that are not English, first and last letters kept (as
    writers keep them, so a misspelled word still reads; and a form that begins or ends
    anew, like "lback" for "black", is in too many pairs of words: "all back")."""
    plain = skeleton(" ".join(word.split()))
    if " " in plain or len(plain) < 3 or not plain.isalpha():
        return set()
    english = english_words()
    return {
        v
        for v in _misspellings(plain, shortest=2)
        if v not in english and len(v) >= 3 and v[0] == plain[0] and v[-1] == plain[-1]
    }


def _misspellings(word: str, shortest: int = 2) -> set[str]:
    """Two neighbouring letters swapped, or one dropped (leaving `shortest` letters at least)."""
    found = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    if len(word) > shortest:
        found |= {word[:i] + word[i + 1 :] for i in range(len(word))}
    found.discard(word)
    return found


def _frequent(count: int) -> list[str]:
    lines = resources.files("symspellpy").joinpath(_DICTIONARY).read_text(encoding="utf-8")
    return [line.split(" ", 1)[0] for line in lines.splitlines()[:count]]


@cache
def english_words() -> frozenset[str]:
    """Common English words (symspellpy's frequency dictionary)."""
    text = resources.files("symspellpy").joinpath(_DICTIONARY).read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def _english_piece(piece: str, english: frozenset[str]) -> bool:
    """An English word that can stand as one piece of a run-together token: the dictionary
    holds most single letters, of which only "a" and "i" are words."""
    return piece in english and (len(piece) > 1 or piece in "ai")
