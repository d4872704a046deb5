"""Conditions that read language, not single words: threats, attacks on groups, reclaimed words.

Each reads the commenter's own words by default (`in: own`: what they quote or report is
not theirs), with evasion undone, through the rule file's `Reading`. They run the grammar
only where the file's one-pass scan found a word it needs, so most comments cost nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from moderation.records import Span
from moderation.rules.conditions import (
    MAX_SPANS,
    Condition,
    Evidence,
    Subject,
    _found,
    span_field,
)
from moderation.rules.evasion import hides_word, shown_as_words
from moderation.rules.grammar import THREAT_CUE_PHRASES
from moderation.rules.matching import FormIndex, WordMatcher
from moderation.rules.reading import Reading

# Cue phrases as the scan finds them ("ridof"): never written so, so looked for as cues.
PHRASE_FORMS = frozenset(p.replace(" ", "") for p in THREAT_CUE_PHRASES)
# Before a reclaimed word: the writer describes themselves ("I'm a proud queer", "as a
# dyke, I...", "we queers").
_SELF = re.compile(
    r"(?:\b(?:i'?m|im|i am|we'?re|we are|as an?|us|we|call myself|call ourselves|identify as|"
    r"proud to be an?|being an?|me,? an?)\b(?:\s+[a-z]+){0,3}\s*)$"
)


@dataclass(frozen=True)
class _Language(Condition):
    """A condition that looks for spans of the reading's de-obfuscated own words."""

    cost = 2  # the one-pass scan turns nearly every comment away first

    name: str
    reading: Reading
    index: FormIndex
    triggers: frozenset[str]  # squeezed forms of which one must be in the text
    field: str = "own"
    misspelled: frozenset[str] = frozenset()  # the triggers that are misspelled words
    what = ""

    def spans(self, subject: Subject) -> Iterator[tuple[int, int]]:
        raise NotImplementedError

    def _plain(self, subject: Subject):
        return self.reading.plain(subject.field(self.field), subject.cache)

    def test(self, subject: Subject) -> bool:
        found = self.index.found(subject.comment.text, True, subject.cache)
        if self.triggers.isdisjoint(found):
            return False
        # The scan reads words run together ("change" has "hang"): before any grammar, a cue
        # word must show as a word, or the text must hide words that reading it shows.
        if not self._worth_reading(subject.comment.text.lower(), found):
            return False
        return next(self.spans(subject), None) is not None

    def _worth_reading(self, lowered: str, found: frozenset[str]) -> bool:
        """Whether a word the condition needs shows in the text (the scan reads it without
        spaces: "change" has "hang"), is misspelled there, or is hidden by evasion: a form
        the scan found that the plain lower-case text does not have ("k i l l", "k1ll")."""
        cue = self.cue()
        hits = self.triggers & found
        if cue is None or (
            any(form in lowered or form in PHRASE_FORMS for form in hits)
            and cue.search(lowered) is not None
        ):
            return True
        misspelled = self.misspelled & hits
        return shown_as_words(misspelled, lowered) or any(
            hides_word(form, lowered) for form in hits - misspelled
        )

    def cue(self):
        """A pattern that finds the words the condition needs, or None."""
        return None

    def explain(self, subject: Subject) -> Evidence:
        text = subject.field(self.field)
        found = self.spans(subject) if self.test(subject) else iter(())
        spans = tuple(
            Span(s, e, text[s:e], span_field(self.field)) for s, e in islice(found, MAX_SPANS)
        )
        return _found(self.name, self.what, self.field, spans, sum(1 for _ in found))

    def scan_filter(self) -> tuple[FormIndex, bool, frozenset[str]]:
        return self.index, True, self.triggers

    def prepare(self) -> None:
        self.reading.prepare()
        self.index.prepare()


@dataclass(frozen=True)
class Threat(_Language):
    """A threat of violence against "you" or a group (see `grammar`); or, with
    `negated`, violence the comment rules out and no threat ("No one should be killed")."""

    negated: bool = False

    @property
    def what(self) -> str:
        return "violence ruled out" if self.negated else "threat"

    def cue(self):
        return self.reading.grammar.threat_cue

    def spans(self, subject: Subject) -> Iterator[tuple[int, int]]:
        plain = self._plain(subject)
        grammar = self.reading.grammar
        if self.negated and next(grammar.threats_in(plain.text), None) is not None:
            return  # a threat beside the negation: nothing is ruled out
        for start, end in grammar.threats_in(plain.text, negations=self.negated):
            yield plain.span(start, end)

    def key(self) -> tuple:
        return ("threat", self.negated, self.field, tuple(self.reading.identity_terms))


@dataclass(frozen=True)
class Attack(_Language):
    """Hatred, a negative word from the rule's lists, or a denial of humanity, aimed at a
    group named by an identity term."""

    what = "attack on a group"
    negative: str = ""  # alternation of the negative words ("vermin|scum|...")
    lists: tuple[str, ...] = ()

    def cue(self):
        return self.reading.grammar.attack_cue

    def spans(self, subject: Subject) -> Iterator[tuple[int, int]]:
        plain = self._plain(subject)
        for start, end in self.reading.grammar.attacks_in(plain.text, self.negative):
            yield plain.span(start, end)

    def key(self) -> tuple:
        return ("attack", self.field, self.lists, tuple(self.reading.identity_terms))

    def prepare(self) -> None:
        super().prepare()
        if self.negative:
            self.reading.grammar.attribute(self.negative)


@dataclass(frozen=True)
class Reclaimed(_Language):
    """Every word of a list that the comment uses, it uses of the writer themselves
    ("I'm a proud queer"): a reclaimed word, not a slur against someone."""

    what = "words of the list used of the writer"
    matcher: WordMatcher | None = None
    list_name: str = ""

    def spans(self, subject: Subject) -> Iterator[tuple[int, int]]:
        plain = self._plain(subject)
        found = list(self.matcher.finditer(plain.text)) if self.matcher else []
        if found and all(_SELF.search(plain.text, 0, start) for start, _ in found):
            for start, end in found:
                yield plain.span(start, end)

    def key(self) -> tuple:
        return ("reclaimed", self.field, self.list_name)

    def prepare(self) -> None:
        super().prepare()
        if self.matcher is not None:
            self.matcher.prepare()


def negative_words(words: list[str]) -> str:
    """An alternation of lower-case words and phrases, longest first, for `Attack`."""
    # Articles are read by the attack pattern ("are such a disgrace"): the words go without.
    bare = {" ".join(w.lower().split()) for w in words if w.strip()}
    bare = {re.sub(r"^(?:a|an|the) ", "", w) for w in bare}
    forms = sorted(bare, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in form.split()) for form in forms)
