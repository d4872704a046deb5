"""How one rule file reads a comment beyond its plain text.

- Its own words: what it quotes or reports left out (`quoting`).
- Evasion undone, for every word the file's lists, identity terms and grammar use
  (`evasion`).
- Identity terms: the file's `identity` section names the words for groups of people.
  Models learned some of them as insults ("gay", "muslim"), so besides the text's own
  scores the model also scores an identity-neutral text: the commenter's own words,
  evasion undone, each identity term swapped for a neutral word. Rules read those scores
  as `neutral.toxicity.*`, and the model's scores of the de-obfuscated text as
  `deobfuscated.toxicity.*`. Where a text has nothing to swap or undo, these are the
  text's own scores, so no comment is scored twice for nothing.
- Threats and attacks on groups, as grammar (`grammar`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from moderation.rules.evasion import Plain, Vocabulary, deobfuscate
from moderation.rules.grammar import HATE_WORDS, THREAT_WORDS, Grammar
from moderation.rules.quoting import own_words
from moderation.scoring import MAX_READ

NEUTRAL_WORD = "local"  # reads as either kind of word: "gay people" -> "local people",
# "a muslim" -> "a local"
_SPACES = re.compile(r"\s+")


class Reading:
    """A rule file's identity terms and vocabulary, and what it derives from a comment's text.

    Results are kept in the subject's cache, shared by every rule that reads them.
    """

    def __init__(self, identity_terms: Iterable[str] = (), neutral: str = NEUTRAL_WORD) -> None:
        self.identity_terms = tuple(dict.fromkeys(t.strip().lower() for t in identity_terms if t))
        self.neutral = neutral
        self._words: set[str] = set(self.identity_terms)
        self._terms = (
            re.compile(
                r"(?<![\w'])(?:"
                + "|".join(re.escape(t) for t in sorted(self.identity_terms, key=len, reverse=True))
                + r")(?![\w'])",
                re.IGNORECASE,
            )
            if self.identity_terms
            else None
        )

    def add_words(self, words: Iterable[str]) -> None:
        """Words whose evasion should be undone (a list's words); before the first comment."""
        self._words.update(words)
        self.__dict__.pop("vocabulary", None)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The words evasion hides, with their misspelled forms."""
        grammar = [*HATE_WORDS, *THREAT_WORDS]
        return Vocabulary(self._words, preferred=[*grammar, *self.identity_terms])

    @cached_property
    def grammar(self) -> Grammar:
        """Threat and attack patterns over the identity terms."""
        return Grammar(self.identity_terms)

    def prepare(self) -> None:
        """Build the vocabulary and grammar now rather than for the first comment."""
        _ = self.vocabulary, self.grammar

    def plain(self, text: str, cache: dict) -> Plain:
        """The text de-obfuscated and lower-cased, with where each character came from."""
        key = ("plain", id(self), text)
        if key not in cache:
            cache[key] = deobfuscate(text, self.vocabulary)
        return cache[key]

    def identity_terms_in(self, text: str) -> list[str]:
        """The identity terms the text names, lower-cased, each once."""
        if self._terms is None:
            return []
        return list(dict.fromkeys(m[0].lower() for m in self._terms.finditer(text)))

    def variants(self, text: str) -> dict[str, str]:
        """Texts the model also scores, by score prefix, where they differ from the text.

        Of as much of the text as the scorers read: a 200 MB comment costs what one of
        MAX_READ characters does (and is held for a human, see engine.unread).
        """
        text = text[:MAX_READ]
        found: dict[str, str] = {}
        cache: dict = {}
        plain = self.plain(text, cache)
        if plain.changed:
            found["deobfuscated"] = plain.text
        neutral = self.neutral_text(text, cache)
        if _SPACES.sub(" ", neutral).strip() != _SPACES.sub(" ", text).strip():
            found["neutral"] = neutral
        return found

    def neutral_text(self, text: str, cache: dict | None = None) -> str:
        """The commenter's own words, evasion undone, identity terms swapped for neutral words."""
        cache = {} if cache is None else cache
        own = own_words(text)  # the text itself where it quotes nothing
        plain = self.plain(own, cache)
        base = plain.text if plain.changed else own
        if self._terms is not None:
            base = self._terms.sub(self.neutral, base)
        return _SPACES.sub(" ", base).strip()
