"""The kinds of condition a rule can name, each compiled once from the rule file.

Every condition has a fast `test` used on every comment, and an `explain` that says why
(value against threshold, which words matched where); the engine calls `explain` only for
rules that matched, so evaluating a whole store stays cheap.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import re2

from moderation.records import Comment, Span

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
FIELDS = ("text", "quote")


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: one comment and the flat scores of its text and quote."""

    comment: Comment
    scores: dict[str, float]

    def field(self, name: str) -> str:
        """The commenter's own text, or the text they quote."""
        return self.comment.text if name == "text" else (self.comment.quote or "")


@dataclass(frozen=True)
class Evidence:
    """Why a condition holds or does not, for the decision record."""

    holds: bool
    reason: str
    spans: tuple[Span, ...] = ()


class Condition:
    """A named test on a comment."""

    name: str

    def test(self, subject: Subject) -> bool:
        raise NotImplementedError

    def explain(self, subject: Subject) -> Evidence:
        raise NotImplementedError

    def score_names(self) -> tuple[str, ...]:
        """Scores this condition reads; a rule needs its models to produce them."""
        return ()


@dataclass(frozen=True)
class ScoreThreshold(Condition):
    """`toxicity.insult >= 0.6`: a score compared with a number."""

    name: str
    score: str
    op: str
    threshold: float

    def test(self, subject: Subject) -> bool:
        value = subject.scores.get(self.score)
        return value is not None and COMPARISONS[self.op](value, self.threshold)

    def explain(self, subject: Subject) -> Evidence:
        value = subject.scores.get(self.score)
        if value is None:
            return Evidence(False, f"{self.name}: no {self.score} score for this comment")
        holds = COMPARISONS[self.op](value, self.threshold)
        shown = self.op if holds else _NEGATED[self.op]
        return Evidence(holds, f"{self.name}: {self.score} {value:.2f} {shown} {self.threshold:g}")

    def score_names(self) -> tuple[str, ...]:
        return (self.score,)


_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!="}


@dataclass(frozen=True)
class Words(Condition):
    """Any word or phrase from a list, whole words only, ignoring case."""

    name: str
    list_name: str
    pattern: re.Pattern[str]
    field: str = "text"

    @classmethod
    def compile(cls, name: str, list_name: str, words: Sequence[str], field: str) -> Words:
        """One regular expression for the whole list, longest phrases first."""
        alternatives = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
        escaped = [r"\s+".join(re.escape(part) for part in w.split()) for w in alternatives]
        pattern = re.compile(rf"(?<!\w)(?:{'|'.join(escaped)})(?!\w)", re.IGNORECASE)
        return cls(name, list_name, pattern, field)

    def test(self, subject: Subject) -> bool:
        return self.pattern.search(subject.field(self.field)) is not None

    def explain(self, subject: Subject) -> Evidence:
        return _pattern_evidence(self, f"words from {self.list_name}", subject)


@dataclass(frozen=True)
class Regex(Condition):
    """A regular expression in RE2 syntax (linear time, so no pattern can stall a run).

    Case-sensitive like any regular expression; start it with `(?i)` to ignore case.
    """

    name: str
    source: str
    pattern: object  # a compiled re2 pattern
    field: str = "text"

    def test(self, subject: Subject) -> bool:
        return self.pattern.search(subject.field(self.field)) is not None

    def explain(self, subject: Subject) -> Evidence:
        return _pattern_evidence(self, f"/{self.source}/", subject)


def compile_regex(source: str) -> object:
    """Compile with RE2; raises re2.error with RE2's message, without logging it."""
    options = re2.Options()
    options.log_errors = False
    return re2.compile(source, options)


@dataclass(frozen=True)
class IsReply(Condition):
    """Whether the comment answers another one (as the source or our inference says)."""

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


@dataclass(frozen=True)
class ReplyDepth(Condition):
    """`reply_depth: ">= 2"`: how deep in a thread the comment sits (0 = top level)."""

    name: str
    op: str
    depth: int

    def test(self, subject: Subject) -> bool:
        return COMPARISONS[self.op](subject.comment.depth, self.depth)

    def explain(self, subject: Subject) -> Evidence:
        holds = self.test(subject)
        shown = self.op if holds else _NEGATED[self.op]
        return Evidence(
            holds, f"{self.name}: reply depth {subject.comment.depth} {shown} {self.depth}"
        )


@dataclass(frozen=True)
class AuthorIn(Condition):
    """The comment's author is one of a list of names, ignoring case."""

    name: str
    list_name: str
    authors: frozenset[str]

    def test(self, subject: Subject) -> bool:
        return subject.comment.author.casefold() in self.authors

    def explain(self, subject: Subject) -> Evidence:
        holds = self.test(subject)
        verb = "is" if holds else "is not"
        return Evidence(
            holds, f"{self.name}: author '{subject.comment.author}' {verb} in {self.list_name}"
        )


def _pattern_evidence(condition: Words | Regex, what: str, subject: Subject) -> Evidence:
    """Where a word list or pattern matched, with offsets into the field it searched."""
    field = condition.field
    spans = _spans(condition.pattern.finditer(subject.field(field)), field)
    if not spans:
        return Evidence(False, f"{condition.name}: no {what} in the {field}")
    found = ", ".join(f"'{s.text}' at {s.start}-{s.end}" for s in spans)
    return Evidence(True, f"{condition.name}: {what} in the {field}: {found}", spans)


def _spans(matches: object, field: str) -> tuple[Span, ...]:
    return tuple(
        Span(m.start(), m.end(), m.group(0), field) for m in matches if m.end() > m.start()
    )
