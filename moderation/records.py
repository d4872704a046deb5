"""The records that flow through the pipeline: article, comment, scores, decision.

Extraction makes `Article` and `Comment`; scoring adds `Scores`; the rule engine adds a
`Decision`. Every stage takes and returns these, and the store saves them as they are.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    """What a rule does to a comment, from the reader's point of view."""

    HOLD = "hold"  # hidden until a moderator reviews it
    FLAG = "flag"  # stays visible, but goes into the review queue
    REJECT = "reject"  # removed without review
    APPROVE = "approve"  # published, and kept out of the queue


# Review-UI roles; each can do what the ones before it can.
ROLES = ("moderator", "editor", "admin")

# When two matched rules have the same priority, the stricter action wins.
ACTION_SEVERITY = {Action.REJECT: 3, Action.HOLD: 2, Action.FLAG: 1, Action.APPROVE: 0}


class ReplyBasis(StrEnum):
    """How we know which comment a reply answers."""

    EXPLICIT = "explicit"  # the source names the parent (an id, or "A > B" in the header)
    INDENT = "indent"  # nested under its parent in the page layout
    QUOTE = "quote"  # it quotes the parent's words
    NAME = "name"  # it addresses the parent's author by name: a guess
    ORDER = "order"  # the source marks it a reply but not to which; taken as the one above: a guess


def stable_id(prefix: str, *parts: str | int | None) -> str:
    """A short id that is the same every time the same parts are given."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return f"{prefix}{digest.hexdigest()[:16]}"


def text_key(text: str) -> str:
    """The key a text's scores are stored under: the same text is scored once per model."""
    return hashlib.sha256(text.encode()).hexdigest()


_SPACES = re.compile(r"\s+")


def _hidden(char: str) -> bool:
    """Format and control characters: bidi overrides, zero-width joiners, soft hyphens."""
    return unicodedata.category(char) in ("Cf", "Cc")


def reveal(text: str) -> str:
    """`text` with each hidden character written out, as `<U+202E>`, for a moderator to see."""
    return "".join(f"<U+{ord(c):04X}>" if _hidden(c) else c for c in text)


def clean_name(raw: str) -> str:
    """A name as it shows and as rules and history match it: compatibility forms folded
    (full-width letters), hidden characters dropped (`admin\u202enimda` reads "adminadmin"
    on screen but is not), spaces collapsed. A name of hidden characters only is revealed."""
    if raw.isascii() and raw.isprintable() and raw == raw.strip() and "  " not in raw:
        return raw  # nearly every name
    name = _SPACES.sub(
        " ", "".join(c for c in unicodedata.normalize("NFKC", raw) if not _hidden(c))
    )
    return name.strip() or reveal(raw)


@dataclass(frozen=True)
class Article:
    """The page or thread that comments belong to."""

    id: str
    source: str  # file path or URL it was read from
    title: str
    byline: str | None = None
    section: str | None = None
    published: str | None = None  # ISO 8601, where the source gives it


# How the comment system marked a comment: published, awaiting approval there (WordPress's
# "0"), removed by its author or a moderator, trashed (WordPress: deleted, restorable), spam.
STATUSES = ("visible", "pending", "deleted", "trash", "spam")


@dataclass
class Comment:
    """One reader comment: the commenter's own words, with any quoted text kept apart."""

    id: str
    article_id: str
    author: str
    position: int  # 1-based order in the source
    text: str  # the commenter's own words, never including what they quote
    quote: str | None = None
    quote_author: str | None = None  # whom the quote names ("17050032 said:")
    parent_id: str | None = None
    reply_basis: ReplyBasis | None = None
    posted: str | None = None  # the time as the source gives it ("3 years ago", ISO 8601)
    depth: int = 0  # 0 for a top-level comment, 1 for a reply to it, and so on
    status: str = "visible"  # one of STATUSES, as the source marks it
    unreadable: str | None = None  # why its text could not be read fully: a human must see it
    author_raw: str | None = None  # the name as the source gave it, where `author` was cleaned

    def __post_init__(self) -> None:
        if self.author_raw is None and isinstance(self.author, str):
            name = clean_name(self.author)
            if name != self.author:
                self.author, self.author_raw = name, self.author

    @property
    def is_reply(self) -> bool:
        """Whether this comment answers another one."""
        return self.parent_id is not None

    @property
    def parent_inferred(self) -> bool:
        """Whether the reply link is a guess rather than something the source states."""
        return self.reply_basis in (ReplyBasis.NAME, ReplyBasis.ORDER)


@dataclass(frozen=True)
class ScoreSet:
    """The labels one model gave one text. Labels the model does not produce are absent."""

    model: str  # model id with version, e.g. "detoxify-unbiased@0.5.4"
    labels: Mapping[str, float]


# Other forms of a comment's text the toxicity model scores (see rules/reading.py):
# identity terms swapped for a neutral word, and evasion undone.
SCORE_VARIANTS = ("neutral", "deobfuscated")


def base_score_name(name: str) -> str:
    """The model's own label of a flat score name: `toxicity.insult` for
    `quote.toxicity.insult` or `neutral.toxicity.insult`."""
    first, _, rest = name.partition(".")
    return rest if first == "quote" or first in SCORE_VARIANTS else name


@dataclass(frozen=True)
class Scores:
    """Sentiment and toxicity of a comment's own text, and separately of its quote.

    `variants` holds the toxicity of other forms of the text, by SCORE_VARIANTS name: a
    name that is absent means that form is the text itself (its scores are the text's);
    None means it differs but was not scored (a stored comment scored before).
    """

    sentiment: ScoreSet
    toxicity: ScoreSet
    quote_sentiment: ScoreSet | None = None
    quote_toxicity: ScoreSet | None = None
    variants: Mapping[str, ScoreSet | None] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        """Flat names as rules use them: `toxicity.insult`, `quote.sentiment.compound`,
        `neutral.toxicity.insult`."""
        flat: dict[str, float] = {}
        for prefix, score_set in (
            ("sentiment", self.sentiment),
            ("toxicity", self.toxicity),
            ("quote.sentiment", self.quote_sentiment),
            ("quote.toxicity", self.quote_toxicity),
        ):
            if score_set is not None:
                flat.update({f"{prefix}.{k}": v for k, v in score_set.labels.items()})
        for variant in SCORE_VARIANTS:
            score_set = self.variants.get(variant, self.toxicity)
            if score_set is not None:
                flat.update({f"{variant}.toxicity.{k}": v for k, v in score_set.labels.items()})
        return flat


@dataclass(frozen=True)
class Span:
    """Matched characters in a comment, as offsets into the text they were found in."""

    start: int
    end: int
    text: str
    field: str = "text"  # "text" (the commenter's words) or "quote"


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched a comment, and why."""

    rule_id: str
    action: Action
    priority: int
    reasons: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    shadow: bool = False  # a shadow rule is recorded but takes no action


@dataclass(frozen=True)
class Decision:
    """What the rules decided for a comment: the winning action and every rule that matched."""

    action: Action | None  # None: no rule matched, the comment is published as usual
    matches: tuple[RuleMatch, ...] = ()
    ruleset: str = ""  # name and content hash of the rule file that decided
    missing: tuple[str, ...] = field(default=())  # scores and facts rules needed but did not get

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the matched rules, winner first."""
        return tuple(m.rule_id for m in self.matches)


@dataclass
class Page:
    """What extraction found in one source: the article and its comments, in order."""

    article: Article
    comments: list[Comment]
    layout: str | None = None  # which comment-thread layout was recognised, if any
