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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

import re2

# Leetspeak read as letters, only inside a word that also has letters (so "2015" and
# "idiot!" stay as they are).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})  # fmt: skip
# "!" counts only before a letter or digit ("!d!0t"); ending a sentence, it is punctuation.
_LEET_CHARS = re.compile(r"[013457-9@$|+]|!(?=[a-z0-9])")
_WORD_END_PUNCTUATION = ".,;:!?)]}\"'"
_LETTER_SEPARATOR = r"[ .\-_*/]"  # "i d i o t", "i.d.i.o.t", "i-d-i-o-t"
# For the prefilter: separators and white space dropped, letters stretched 3+ times collapsed.
_SQUEEZE_BYTES = b" \t\n\r\f\v.-_*/"
# ASCII text is lower-cased and squeezed by one bytes.translate: a copy at memory speed.
_LOWER_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_LEET_CHARACTERS = "01345789@$|+"
_NOT_LEET_BYTES = bytes(b for b in range(256) if chr(b) not in _LEET_CHARACTERS)
_BANG_IN_WORD = re.compile(rb"![A-Za-z0-9]")
_NOTHING: frozenset[str] = frozenset()
_NO_MEANING = (_NOTHING, _NOTHING, _NOTHING, _NOTHING, False)
_SQUEEZE_CHARS = re.compile(r"[\s.\-_*/]+")
_TRIPLE = re.compile(r"(.)\1\1")
_STRETCHED = re.compile(r"(.)\1\1+")
_REPEATED = re.compile(r"(.)\1+")
_SEPARATED = re.compile(r"[\s.\-_*/]")
MAX_NARROWED = 1024  # patterns of some of a list's words kept, per list


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
    if text.isascii():  # nothing to fold (the table maps only other characters)
        return _leet_read(text.lower())
    folded = text.translate(_fold_table()).lower()
    if len(folded) != len(text):  # a character lower-cased to two; fold one at a time
        folded = "".join(c.lower()[0] for c in text.translate(_fold_table()))
    return _leet_read(folded)


def squeeze(text: str, normalise: bool) -> str:
    """A form of the text in which any match of a list shows as a plain substring.

    Every word a pattern matches, squeezed the same way, is a substring of the squeezed
    text; so a list whose squeezed words are all absent cannot match, and its pattern need
    not run. That keeps lists cheap on the great majority of comments, which match none.
    """
    plain, normalised = squeeze_both(text)
    return _unstretched(normalised) if normalise else plain


def squeeze_both(text: str) -> tuple[str, str]:
    """(plain, normalised) squeezed forms, sharing the work where they coincide."""
    lower = text.lower()
    plain = _drop_separators(lower)
    if text.isascii() and not _LEET_CHARS.search(lower):
        normalised = plain  # folding and leetspeak change nothing here
    else:
        normalised = _drop_separators(skeleton(text))
    return plain, normalised


@cache
def _spelled_out(form: str) -> re.Pattern[str]:
    """The form with one separator between every letter ("k i l l", "k.i.l.l")."""
    return re.compile(_LETTER_SEPARATOR.join(re.escape(c) for c in form))


def spells_out(form: str, lowered: str) -> bool:
    """Whether the text has the form with a separator between every letter."""
    return _spelled_out(form).search(lowered) is not None


def _first(match: re.Match[str]) -> str:
    return match[1]  # a function, not the template "\\1": re expands a template in Python


def _unstretched(squeezed: str) -> str:
    """A squeezed text with its stretched letters read once, for finding forms in it.

    Letters written three times or more are read once ("stuuupid"). Where one word's last
    letter is the next one's first, both stretched, the run counts for both: "lesserrr
    rrrace" squeezes to "lesserrrrrrrace". So the text with every repeated letter read
    once ("leserace", the form the double-lettered words have too) is searched as well,
    after a character no form has.
    """
    if not _TRIPLE.search(squeezed):
        return squeezed
    return _STRETCHED.sub(r"\1", squeezed) + "\x00" + _REPEATED.sub(_first, squeezed)


def _drop_separators(text: str) -> str:
    if text.isascii():
        return text.encode().translate(None, _SQUEEZE_BYTES).decode()
    return _SQUEEZE_CHARS.sub("", text)


def _leet_read(text: str) -> str:
    """Read leetspeak as letters in the words that have both (same length out as in)."""
    if text.isascii():
        raw = text.encode()
        if not raw.translate(None, _NOT_LEET_BYTES) and not (
            b"!" in raw and _BANG_IN_WORD.search(raw)
        ):
            return text  # no leetspeak character at all: most comments
    words: dict[int, int] = {}
    for hit in _LEET_CHARS.finditer(text):
        if not _inside_word(text, hit.start()):
            continue
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


class FormIndex:
    """The squeezed forms of all of a rule file's lists, searched in one pass per comment.

    RE2's set matching finds every list's forms at once, instead of each list searching on its
    own. Most comments are ASCII without leetspeak, and then the plain and the normalised
    squeezed texts are the same string: one automaton holding both kinds of form, plus
    every tripled letter (to notice stretching) and every leetspeak character (to notice
    that the text is not such a comment), scans it once.

    Squeezed, two words make a third: "who read" has "whore", "than good" has "hang". In
    such a text a form of one word counts only where the lower-case text has it as
    written, or with its letters spelled out ("w h o r e"): as no list's pattern, grammar
    or reading would find it otherwise, it is left out, and the conditions that read it
    are not asked. Forms of phrases and of words with separators ("shut up", "bit.ly")
    span words by right: they are kept as found.
    """

    _TRIPLES = tuple(c * 3 for c in "abcdefghijklmnopqrstuvwxyz")

    def __init__(self) -> None:
        self._forms: dict[bool, set[str]] = {False: set(), True: set()}
        self._automata: dict[str, _FormSet] = {}
        self._joined: set[str] = set()  # forms that span words by right
        # What each set of matches of the "both" automaton means (`_meaning`): the same
        # few recur.
        self._meanings: dict[tuple[int, ...], tuple] = {}

    def add(self, normalise: bool, forms: Iterable[str], joined: Iterable[str] = ()) -> None:
        """Register a list's forms (before the first search); `joined` are those that stand
        for words with spaces or separators between them."""
        self._forms[normalise].update(forms)
        self._joined.update(joined)
        self._automata.clear()
        self._meanings.clear()

    def prepare(self) -> None:
        """Build the automata now rather than for the first comment."""
        for kind in ("both", "plain", "normalised"):
            self._automaton(kind)

    def found(self, text: str, normalise: bool, cached: dict) -> frozenset[str]:
        """The registered forms of one kind present in the text, squeezed."""
        return self.scan(text, cached)[normalise]

    def scan(self, text: str, cached: dict) -> tuple[frozenset[str], frozenset[str]]:
        """The registered (plain, normalised) forms present in the text, squeezed."""
        key = (id(self), text)
        both = cached.get(key)
        if both is None:
            both = self._scan(text)
            if both[0] or both[1]:
                # Only hits are kept: nearly every comment has none, and keeping that for
                # each comment of a store costs more in memory and garbage collection
                # than scanning again where an explanation asks.
                cached[key] = both
        return both

    def _scan(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        if text.isascii():
            raw = text.encode()
            # One squeezed text, one pass, on bytes (RE2 reads UTF-8: a str would be
            # encoded again). The pass also notices leetspeak characters.
            squeezed = raw.translate(_LOWER_BYTES, _SQUEEZE_BYTES)
            plain, normalised, doubtful, triples, leet = self._meaning(squeezed)
            if leet or (b"!" in raw and _BANG_IN_WORD.search(raw)):
                leet = _leet_read(lowered := text.lower()) != lowered
            if not leet:  # folding and leetspeak change nothing: what the pass found stands
                return self._shown(plain, normalised, doubtful, triples, squeezed, text)
        plain = _drop_separators(text.lower())
        normalised = _unstretched(_drop_separators(skeleton(text)))
        return self._search("plain", plain), self._search("normalised", normalised)

    def _meaning(self, squeezed: bytes) -> tuple:
        """What the "both" automaton finds in squeezed text: (plain forms, normalised forms,
        those to look for in the text as written, tripled letters, whether a leetspeak
        character is there)."""
        automaton = self._automaton("both")
        matches = automaton.matches(squeezed)
        if not matches:  # nearly every comment
            return _NO_MEANING
        key = tuple(matches)
        meaning = self._meanings.get(key)
        if meaning is None:
            hits = [automaton.entries[i] for i in matches]
            plain = frozenset(form for kind, form in hits if kind == "plain")
            normalised = frozenset(form for kind, form in hits if kind == "normalised")
            triples = frozenset(form for kind, form in hits if kind == "triple")
            leet = any(kind == "leet" for kind, _ in hits)
            meaning = plain, normalised, (plain | normalised) - self._joined, triples, leet
            if len(self._meanings) >= MAX_NARROWED:
                self._meanings.clear()
            self._meanings[key] = meaning
        return meaning

    def _shown(
        self,
        plain: frozenset[str],
        normalised: frozenset[str],
        doubtful: frozenset[str],
        triples: frozenset[str],
        squeezed: bytes,
        text: str,
    ) -> tuple[frozenset[str], frozenset[str]]:
        """The forms found that the text shows (see the class's docstring)."""
        if not doubtful and not triples:
            return plain, normalised
        lowered = text.lower()
        if triples and any(map(lowered.replace("www.", "").__contains__, triples)):
            # A letter stretched in a word ("stuuupid"): read again, unstretched. Squeezing
            # makes runs across words too ("tradeoff for"), and "www." is an address: those
            # stretch nothing.
            return plain, self._search("normalised", _unstretched(squeezed.decode()))
        across = [f for f in doubtful if f not in lowered]
        across = [f for f in across if not spells_out(f, lowered)] if across else across
        if across:
            return plain.difference(across), normalised.difference(across)
        return plain, normalised

    def _search(self, kind: str, squeezed: str) -> frozenset[str]:
        return frozenset(form for _, form in self._automaton(kind).search(squeezed))

    def _automaton(self, kind: str) -> _FormSet:
        if kind not in self._automata:
            entries = {
                "plain": [("plain", f) for f in self._forms[False]],
                "normalised": [("normalised", f) for f in self._forms[True]],
            }
            entries["both"] = [
                *entries["plain"],
                *entries["normalised"],
                *(("triple", t) for t in self._TRIPLES),
                *(("leet", c) for c in _LEET_CHARACTERS),
            ]
            self._automata[kind] = _FormSet(entries[kind])
        return self._automata[kind]


def compile_regex(source: str) -> object:
    """Compile with RE2; raises re2.error with RE2's message, without logging it."""
    options = re2.Options()
    options.log_errors = False
    return re2.compile(source, options)


def set_options() -> re2.Options:
    """RE2 options for a set of literal forms: memory for lists of 100,000 words (RE2's
    default, 8 MiB, fails to compile a set of about 20,000)."""
    options = re2.Options()
    options.max_mem = 1 << 30
    options.log_errors = False
    return options


class _FormSet:
    """Literal forms found in one pass: RE2's set matching runs one automaton over the text."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self._set = re2.Set.SearchSet(set_options())
        self.entries = entries or [("none", "\x00")]
        for _, form in self.entries:
            self._set.Add(re2.escape(form))
        self._set.Compile()
        # The indices of the entries found (or None): one call a comment.
        self.matches: Callable[[bytes], list[int] | None] = self._set.Match

    def search(self, text: str | bytes) -> list[tuple[str, str]]:
        """(kind, form) of every entry whose form occurs in the text."""
        found = self._set.Match(text)
        return [self.entries[i] for i in found] if found else []


@dataclass(frozen=True)
class WordMatcher:
    """A word list compiled for matching: plainly, or against the normalised skeleton."""

    body: str  # the regular expression, compiled when first needed (see `pattern`)
    flags: int
    normalise: bool
    allow: frozenset[str]
    prefilter: frozenset[str]  # squeezed forms: one must be in the squeezed text to match
    index: FormIndex | None = field(
        default=None, compare=False
    )  # shared with the file's other lists
    forms: tuple[str, ...] = ()  # the words as matched, longest first
    whole_words: bool = True
    _narrowed: dict[frozenset[str], re.Pattern[str]] = field(
        default_factory=dict, compare=False, repr=False
    )  # patterns of some of the words (see `_found_words`)

    @classmethod
    def compile(
        cls,
        words: Iterable[str],
        normalise: bool = False,
        allow: Iterable[str] = (),
        whole_words: bool = True,
        index: FormIndex | None = None,
    ) -> WordMatcher:
        """One regular expression for the whole list, longest phrases first."""
        forms = sorted(
            {_word_form(w, normalise) for w in words if w.strip()}, key=len, reverse=True
        )
        flags = 0 if normalise else re.IGNORECASE
        allowed = frozenset(_word_form(a, normalise).casefold() for a in allow)
        prefilter = _minimal({p for f in forms for p in _squeezed_forms(f, normalise)})
        body = _pattern_body(forms, normalise, whole_words)
        matcher = cls(body, flags, normalise, allowed, prefilter, index, tuple(forms), whole_words)
        if index is not None:
            index.add(normalise, prefilter, matcher.joined)
        return matcher

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The compiled expression. Compiling one for 100,000 words takes seconds, and most
        lists are only ever searched by their prefilter, so it waits for a first candidate."""
        return re.compile(self.body, self.flags)

    def prepare(self) -> None:
        """Compile the list's pattern now rather than for the first candidate."""
        _ = self.pattern, self._words_of
        if self.index is not None:
            self.index.prepare()

    def search(self, text: str, cached: dict | None = None) -> bool:
        """Whether any listed word occurs (and is not part of an allowed word)."""
        if cached is None:
            return self._search(text, None)
        key = ("found", id(self), text)  # rules sharing a list share the answer
        if key not in cached:
            cached[key] = self._search(text, cached)
        return cached[key]

    def _search(self, text: str, cached: dict | None) -> bool:
        pattern = self.pattern
        if self.index is not None and cached is not None:
            found = self.index.found(text, self.normalise, cached)
            if self.prefilter.isdisjoint(found):
                return False
            pattern = self._found_words(found)
            if pattern is None:
                return False
        elif not any(map(squeeze(text, self.normalise).__contains__, self.prefilter)):
            return False
        return next(self._matches(pattern, text, cached), None) is not None

    def _found_words(self, found: frozenset[str]) -> re.Pattern[str] | None:
        """The pattern of only the words of which the scan found a form, or None if it found
        none (only misspellings). A list's pattern tries every word at every place in the
        text: one of a word or two runs many times faster than one of a hundred."""
        words = frozenset(w for p in self.prefilter & found for w in self._words_of.get(p, ()))
        if not words:
            return None
        pattern = self._narrowed.get(words)
        if pattern is None:
            if len(self._narrowed) >= MAX_NARROWED:
                self._narrowed.clear()
            forms = [f for f in self.forms if f in words]  # longest first, as in `pattern`
            body = _pattern_body(forms, self.normalise, self.whole_words)
            pattern = self._narrowed[words] = re.compile(body, self.flags)
        return pattern

    @cached_property
    def joined(self) -> frozenset[str]:
        """The scanned forms that may stand for words with separators between them."""
        apart = [
            v
            for f in self.forms
            if _SEPARATED.search(f)
            for v in _squeezed_forms(f, self.normalise)
        ]
        return frozenset(p for p, _ in _containing(self.prefilter, apart))

    @cached_property
    def _words_of(self) -> dict[str, tuple[str, ...]]:
        """Each scanned form -> the words a text must show it to match."""
        words: dict[str, dict[str, None]] = {p: {} for p in self.prefilter}
        variants = ((v, f) for f in self.forms for v in _squeezed_forms(f, self.normalise))
        for p, word in _containing(self.prefilter, variants):
            words[p][word] = None
        return {p: tuple(found) for p, found in words.items()}

    def finditer(self, text: str, cached: dict | None = None) -> Iterator[tuple[int, int]]:
        """(start, end) of each match, as offsets into the original text."""
        return self._matches(self.pattern, text, cached)

    def _matches(
        self, pattern: re.Pattern[str], text: str, cached: dict | None
    ) -> Iterator[tuple[int, int]]:
        haystack = self._haystack(text, cached)
        for match in pattern.finditer(haystack):
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


def _pattern_body(forms: Iterable[str], normalise: bool, whole_words: bool) -> str:
    spell = _evasive if normalise else re.escape
    body = "|".join(r"\s+".join(spell(part) for part in form.split()) for form in forms)
    word_char = r"[a-z0-9]" if normalise else r"\w"
    if whole_words:
        body = rf"(?<!{word_char})(?:{body})(?!{word_char})"
    return body


def _squeezed_forms(form: str, normalise: bool) -> set[str]:
    """What a match of the word squeezes to: a text without all of them cannot match it."""
    squeezed = squeeze_both(form)[normalise]
    if normalise:  # read as the text is: "sheeeeple" as "sheple", "sheeple" too
        squeezed = _STRETCHED.sub(r"\1", squeezed)
        return {squeezed, _REPEATED.sub(_first, squeezed)}
    return {squeezed}


def _evasive(word: str) -> str:
    """Pattern for one word: letters together, each may be stretched to three or more
    ("stuuupid"), or one separator between every letter ("i d i o t"); never a mix, which
    would let "as s" in "as soon" spell "ass"."""
    letters = [f"(?:{re.escape(c)}|{re.escape(c) * 3}+)" for c in word]
    if len(word) < 2:
        return letters[0] if letters else ""
    return f"(?:{''.join(letters)}|{_LETTER_SEPARATOR.join(letters)})"


def _inside_word(text: str, i: int) -> bool:
    """A leet character followed by a letter or digit, or after a letter: "1d10t", not "hi!"."""
    after = text[i + 1 : i + 2]
    return (after.isalnum() and after.isascii()) or (
        i > 0 and "a" <= text[i - 1] <= "z" and text[i] != "!"
    )


def _containing(forms: Iterable[str], texts: Iterable) -> Iterator[tuple[str, object]]:
    """(form, what) for each form found in each text; `texts` are strings, or (string,
    what) pairs. One RE2 set finds every form at once: comparing each form with each text
    would take hours for a list of 100,000 words."""
    ordered = sorted(forms)
    if not ordered:
        return
    search = _FormSet([("", form) for form in ordered])
    for item in texts:
        text, what = item if isinstance(item, tuple) else (item, item)
        for i in search.matches(text) or ():
            yield ordered[i], what


def _minimal(forms: set[str]) -> frozenset[str]:
    """Drop forms that contain another: where "idiots" is, "idiot" is too."""
    present = {f for f in forms if f}
    return frozenset(
        present - {text for form, text in _containing(present, present) if form != text}
    )


def _word_form(word: str, normalise: bool) -> str:
    word = " ".join(word.split())
    return skeleton(word) if normalise else word


def _enclosing_word(text: str, start: int, end: int) -> str:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]
