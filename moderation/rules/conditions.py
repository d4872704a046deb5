"""The kinds of condition a rule can name, each compiled once from the rule file.

Every condition has a fast `test`, run on every comment, and an `explain` that says why
it holds or not (value against threshold, which words matched where); `explain` runs only
where a decision is recorded or a rule is explained, so previews over a whole store stay
fast. Conditions on a number share one class, `Compare`, which also lets `rules check`
reason about ranges ("toxicity.insult >= 0.8 and toxicity.insult < 0.5" never matches).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING

from moderation.records import Comment, Span
from moderation.rules.context import Context
from moderation.rules.evasion import shown_as_words
from moderation.rules.matching import FormIndex, WordMatcher
from moderation.rules.quoting import own_words

if TYPE_CHECKING:
    from moderation.rules.reading import Reading

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}  # fmt: skip
NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!="}
FIELDS = ("text", "quote", "own")  # own: the text less what it quotes or reports inline
# A hostile comment can repeat a listed word 100,000 times: moderators see the first
# matches highlighted and listed, and how many more there were.
MAX_SPANS = 200
MAX_LISTED = 20
NEGATION_REACH = 20  # characters before a listed word in which a negation turns it around
FIELD_NAMES = {"text": "text", "quote": "quote", "own": "commenter's own words"}
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: one comment, the flat scores of its text and quote, its context."""

    comment: Comment
    scores: dict[str, float]
    context: Context
    cache: dict = field(default_factory=dict, compare=False)  # skeletons and text measures

    def field(self, name: str) -> str:
        """The commenter's text, the text they quote, or their own words (the text with
        what it quotes or reports inline blanked out, offsets kept)."""
        if name == "text":
            return self.comment.text
        if name == "own":
            key = ("own", self.comment.text)
            if key not in self.cache:
                self.cache[key] = own_words(self.comment.text)
            return self.cache[key]
        return self.comment.quote or ""


def span_field(name: str) -> str:
    """Where a span's offsets point: own words are the text, less what it quotes."""
    return "quote" if name == "quote" else "text"


@dataclass(frozen=True)
class Evidence:
    """Why a condition holds or does not, for the decision record and `explain`."""

    holds: bool
    reason: str
    spans: tuple[Span, ...] = ()
    missing: str | None = None  # the score or fact that was needed but absent


class Condition:
    """A named test on a comment."""

    name: str
    cost = 1  # rough relative cost of `test`, for evaluating cheap conditions first

    def test(self, subject: Subject) -> bool:
        raise NotImplementedError

    def explain(self, subject: Subject) -> Evidence:
        raise NotImplementedError

    def key(self) -> tuple:
        """What the condition tests, independent of its name: equal keys, equal tests."""
        raise NotImplementedError

    def score_names(self) -> tuple[str, ...]:
        """Scores this condition reads; a rule needs its models to produce them."""
        return ()

    def scan_filter(self) -> tuple[FormIndex, bool, frozenset[str]] | None:
        """(the file's one-pass scan, which of its kinds, forms of which one must be found)
        where the condition cannot hold without them: compiled rules skip it then."""
        return None

    def prepare(self) -> None:
        """Build now what the condition would build the first time a comment needs it."""


# --- numbers: scores, thread depth, author history, text shape --------------------------------


def _score(name: str) -> Callable[[Subject], float | None]:
    return lambda s: s.scores.get(name)


def _context(name: str) -> Callable[[Subject], float | None]:
    return lambda s: getattr(s.context, name)


_NOT_UPPER = bytes(b for b in range(256) if not (65 <= b <= 90))
_LETTERS = bytes(b for b in range(256) if 65 <= b <= 90 or 97 <= b <= 122)


def _capitals(text: str) -> float:
    if text.isascii():  # bytes.translate counts at memory speed
        raw = text.encode()
        upper = len(raw.translate(None, _NOT_UPPER))
        if not upper:
            return 0.0
        letters = len(raw) - len(raw.translate(None, _LETTERS))
    else:
        upper, letters = sum(map(str.isupper, text)), sum(map(str.isalpha, text))
    return upper / letters if letters else 0.0


def _links(text: str) -> int:
    if "://" not in text and "www." not in text and "WWW." not in text:
        return 0  # most comments: skip the pattern
    return len(_LINK.findall(text))


def _same_site_links(text: str) -> int:
    """The most links to any one site (host, less "www.")."""
    if _links(text) == 0:
        return 0
    hosts = Counter(
        link.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
        for link in _LINK.findall(text)
    )
    return max(hosts.values())


def _longest_run(text: str) -> int:
    longest = run = 0
    previous = None
    for char in text:
        run = run + 1 if char == previous else 1
        longest, previous = max(longest, run), char
    return longest


# name -> (how to read it from a subject, what it means for messages, (lowest, highest))
MEASURES: dict[str, tuple[Callable[[Subject, str], float | None], str, tuple[float, float]]] = {
    "reply_depth": (lambda s, f: s.comment.depth, "reply depth", (0, float("inf"))),
    "back_and_forth": (
        lambda s, f: s.context.back_and_forth,
        "replies in a row between the same two authors",
        (0, float("inf")),
    ),
    "author_rejections": (
        lambda s, f: s.context.author_rejections,
        "the author's rejected comments",
        (0, float("inf")),
    ),
    "article_age_hours": (
        lambda s, f: s.context.article_age_hours,
        "hours since the article was published",
        (float("-inf"), float("inf")),
    ),
    "length": (lambda s, f: len(s.field(f)), "characters", (0, float("inf"))),
    "capitals": (lambda s, f: _capitals(s.field(f)), "share of letters in capitals", (0, 1)),
    "links": (lambda s, f: _links(s.field(f)), "links", (0, float("inf"))),
    "same_site_links": (
        lambda s, f: _same_site_links(s.field(f)),
        "links to one site",
        (0, float("inf")),
    ),
    "repeated_chars": (
        lambda s, f: _longest_run(s.field(f)),
        "longest run of one character",
        (0, float("inf")),
    ),
}
# The measures that are a function of a field's text alone: compiled rules call them on it
# directly (`compiled`), a call rather than three.
TEXT_MEASURES: dict[str, Callable[[str], float]] = {
    "length": len,
    "capitals": _capitals,
    "links": _links,
    "same_site_links": _same_site_links,
    "repeated_chars": _longest_run,
}
SCORE_RANGE = {"sentiment.compound": (-1.0, 1.0)}  # every other score runs from 0 to 1


@dataclass(frozen=True)
class Compare(Condition):
    """A number compared with a threshold: a score (`toxicity.insult >= 0.6`) or a measure."""

    name: str
    variable: str  # "toxicity.insult", "reply_depth", "length", ...
    op: str
    threshold: float
    field: str = "text"

    def __post_init__(self) -> None:
        # Built once: `test` runs for every comment and rule, so it is a single closure.
        object.__setattr__(
            self, "test", _compare_test(self.variable, self.field, self.op, self.threshold)
        )

    def value(self, subject: Subject) -> float | None:
        """The number this condition compares, or None where it cannot be known."""
        if self.variable in MEASURES:
            return MEASURES[self.variable][0](subject, self.field)
        return subject.scores.get(self.variable)

    def explain(self, subject: Subject) -> Evidence:
        value = self.value(subject)
        label = self.variable if self.variable not in MEASURES else MEASURES[self.variable][1]
        if self.field == "quote" and self.variable in (
            "length",
            "capitals",
            "links",
            "same_site_links",
            "repeated_chars",
        ):
            label += " in the quote"
        if value is None:
            why = (
                "not known for this comment"
                if self.variable in MEASURES
                else "not given by the model that scored this comment"
            )
            return Evidence(False, f"{self.name}: {label} {why}", missing=self.variable)
        holds = COMPARISONS[self.op](value, self.threshold)
        shown = self.op if holds else NEGATED[self.op]
        number = (
            f"{value:.2f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
        )
        return Evidence(holds, f"{self.name}: {label} {number} {shown} {self.threshold:g}")

    def key(self) -> tuple:
        return ("compare", self.variable, self.field, self.op, self.threshold)

    def domain(self) -> tuple[float, float]:
        """The lowest and highest value the variable can take."""
        if self.variable in MEASURES:
            return MEASURES[self.variable][2]
        return SCORE_RANGE.get(self.variable.removeprefix("quote."), (0.0, 1.0))

    def score_names(self) -> tuple[str, ...]:
        return () if self.variable in MEASURES else (self.variable,)

    @property
    def cost(self) -> int:
        """A score is a dictionary lookup; a measure reads the text."""
        return 3 if self.variable in MEASURES else 1


def _compare_test(
    variable: str, field_name: str, op: str, threshold: float
) -> Callable[[Subject], bool]:
    compare = COMPARISONS[op]
    if variable in MEASURES:
        measure = MEASURES[variable][0]

        def test(subject: Subject) -> bool:
            value = measure(subject, field_name)
            return value is not None and compare(value, threshold)

        return test

    def test_score(subject: Subject) -> bool:
        value = subject.scores.get(variable)
        return value is not None and compare(value, threshold)

    return test_score


# --- text: word lists and patterns ------------------------------------------------------------


@dataclass(frozen=True)
class Words(Condition):
    """Any word or phrase from a list (see `matching` for evasion-resistant lists).

    A normalised list is also matched in the text with swapped and dropped letters and
    run-together words undone (`evasion`), where the rule file's reading is given.
    """

    name: str
    list_name: str
    words: frozenset[str]
    matcher: WordMatcher
    field: str = "text"
    reading: Reading | None = None
    unless_negated: bool = False  # "they are not idiots": a match in a negated clause
    highlight: bool = True  # False for context words ("you"): listed, not highlighted
    misspelled: frozenset[str] = frozenset()  # its words' misspelled forms, as scanned

    def test(self, subject: Subject) -> bool:
        text = subject.comment.text if self.field != "quote" else subject.field(self.field)
        matcher = self.matcher
        misspelled = True  # without the scan, any word may be misspelled
        # The usual case, kept flat because it runs for every comment: nothing of the list here.
        if matcher.index is not None:
            found = matcher.index.found(text, matcher.normalise, subject.cache)
            if matcher.prefilter.isdisjoint(found):
                return False
            # The scan also finds misspelled forms across two words ("deth" in "made the"):
            # one counts only as a word of the text.
            misspelled = shown_as_words(self.misspelled & found, text.lower())
            if not misspelled and self.spelled.isdisjoint(found):
                return False
        if self.field == "own":
            if not misspelled and not matcher.search(text, subject.cache):
                return False  # not in the text: not in the commenter's own words either
            text = subject.field("own")
        if self.unless_negated:
            return next(self._affirmed(text, subject.cache), None) is not None
        if matcher.search(text, subject.cache):
            return True
        # only evasion undone can show a word the list's pattern did not find
        return misspelled and next(self._revealed(text, subject.cache), None) is not None

    @cached_property
    def spelled(self) -> frozenset[str]:
        """The scanned forms of the list's words as they are spelled."""
        return self.matcher.prefilter - self.misspelled

    def _affirmed(self, text: str, cache: dict):
        """(start, end) of matches, direct or revealed, that no negation in their clause
        turns around."""
        from moderation.rules.grammar import negated

        found = list(self.matcher.finditer(text, cache)) or list(self._revealed(text, cache))
        lowered = text.lower()
        # A word's negation is close before it: "are not vermin", "nobody is subhuman".
        return ((s, e) for s, e in found if not negated(lowered, s, e, before=NEGATION_REACH))

    def _revealed(self, text: str, cache: dict):
        """(start, end) in the text of list words that only evasion undone shows."""
        if self.reading is None or not self.matcher.normalise:
            return
        plain = self.reading.plain(text, cache)
        if plain.changed:
            for start, end in self.matcher.finditer(plain.text):
                yield plain.span(start, end)

    def explain(self, subject: Subject) -> Evidence:
        text = subject.field(self.field)
        if self.unless_negated:
            found = self._affirmed(text, subject.cache)
        else:
            found = self.matcher.finditer(text, subject.cache)
        spans = tuple(
            Span(s, e, text[s:e], span_field(self.field)) for s, e in islice(found, MAX_SPANS)
        )
        if not spans and not self.unless_negated:
            found = self._revealed(text, subject.cache)
            spans = tuple(
                Span(s, e, text[s:e], span_field(self.field)) for s, e in islice(found, MAX_SPANS)
            )
        more = sum(1 for _ in found)
        evidence = _found(self.name, f"words from {self.list_name}", self.field, spans, more)
        return evidence if self.highlight else replace(evidence, spans=())

    def key(self) -> tuple:
        return (
            "words",
            self.words,
            self.matcher.normalise,
            self.matcher.allow,
            self.field,
            self.unless_negated,
        )  # fmt: skip (highlighting changes no verdict)

    def prepare(self) -> None:
        self.matcher.prepare()
        if self.reading is not None:
            self.reading.prepare()

    def scan_filter(self) -> tuple[FormIndex, bool, frozenset[str]] | None:
        if self.matcher.index is None:
            return None
        return self.matcher.index, self.matcher.normalise, self.matcher.prefilter

    @property
    def cost(self) -> int:
        """With the file's one-pass scan, nearly every comment is turned away by a set lookup."""
        return 2 if self.matcher.index is not None else 5


@dataclass(frozen=True)
class Regex(Condition):
    """A regular expression in RE2 syntax (linear time, so no pattern can stall a run).

    Case-sensitive like any regular expression; start it with `(?i)` to ignore case.
    """

    cost = 8

    name: str
    source: str
    pattern: object  # a compiled re2 pattern
    field: str = "text"

    def test(self, subject: Subject) -> bool:
        return self.pattern.search(subject.field(self.field)) is not None

    def explain(self, subject: Subject) -> Evidence:
        matches = (
            m for m in self.pattern.finditer(subject.field(self.field)) if m.end() > m.start()
        )
        spans = tuple(
            Span(m.start(), m.end(), m.group(0), span_field(self.field))
            for m in islice(matches, MAX_SPANS)
        )
        more = sum(1 for _ in matches)
        return _found(self.name, f"/{self.source}/", self.field, spans, more)

    def key(self) -> tuple:
        return ("regex", self.source, self.field)


def _found(
    name: str, what: str, field_name: str, spans: tuple[Span, ...], more: int = 0
) -> Evidence:
    where = FIELD_NAMES.get(field_name, field_name)
    if not spans:
        return Evidence(False, f"{name}: no {what} in the {where}")
    listed = spans[:MAX_LISTED]
    found = ", ".join(f"'{s.text}' at {s.start}-{s.end}" for s in listed)
    hidden = len(spans) - len(listed) + more
    if hidden:
        found += f" and {hidden:,} more"
    return Evidence(True, f"{name}: {what} in the {where}: {found}", spans)


# --- facts: thread, author, article -----------------------------------------------------------


@dataclass(frozen=True)
class IsReply(Condition):
    """Whether the comment answers another one (as the source says, or as inferred)."""

    name: str
    wanted: bool

    def test(self, subject: Subject) -> bool:
        return subject.comment.is_reply == self.wanted

    def explain(self, subject: Subject) -> Evidence:
        comment = subject.comment
        if comment.is_reply:
            how = " (inferred)" if comment.parent_inferred else ""
            state = f"is a reply, by {comment.reply_basis}{how}"
        else:
            state = "is not a reply"
        return Evidence(self.test(subject), f"{self.name}: comment {state}")

    def key(self) -> tuple:
        return ("compare", "reply_depth", "text", ">=" if self.wanted else "<", 1)


@dataclass(frozen=True)
class FirstComment(Condition):
    """Whether this is the first comment the store has seen from its author."""

    name: str
    wanted: bool
    fact_name = "first_comment"

    def test(self, subject: Subject) -> bool:
        first = subject.context.first_comment
        return first is not None and first == self.wanted

    def explain(self, subject: Subject) -> Evidence:
        first = subject.context.first_comment
        if first is None:
            return Evidence(
                False, f"{self.name}: the author's history is not known", missing="first_comment"
            )
        state = "is" if first else "is not"
        return Evidence(
            first == self.wanted, f"{self.name}: this {state} the author's first comment"
        )

    def key(self) -> tuple:
        return ("first_comment", self.wanted)


# Facts compared with a list of names: which value of the subject, and how it reads.
NAMED_FACTS: dict[str, tuple[Callable[[Subject], str | None], str]] = {
    "author": (lambda s: s.comment.author, "author"),
    "reply_to": (lambda s: s.context.parent_author, "replies to"),
    "article": (lambda s: s.context.article_id, "article"),
    "section": (lambda s: s.context.section, "section"),
}


@dataclass(frozen=True)
class InList(Condition):
    """A fact (author, whom it replies to, article, section) is one of a list, ignoring case."""

    name: str
    fact: str
    list_name: str
    values: frozenset[str]  # case-folded

    def test(self, subject: Subject) -> bool:
        value = NAMED_FACTS[self.fact][0](subject)
        return value is not None and value.casefold() in self.values

    def explain(self, subject: Subject) -> Evidence:
        value = NAMED_FACTS[self.fact][0](subject)
        label = NAMED_FACTS[self.fact][1]
        if value is None:
            return Evidence(False, f"{self.name}: {label}: none")
        verb = "is" if self.test(subject) else "is not"
        return Evidence(
            self.test(subject), f"{self.name}: {label} '{value}' {verb} in {self.list_name}"
        )

    def key(self) -> tuple:
        return ("in", self.fact, self.values)
