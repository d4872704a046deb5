"""Compiled rules, and the decision they reach for a comment.

Precedence: of the live rules that match, the one with the highest priority decides; at
equal priority the stricter action wins (reject, then hold, flag, approve); then file
order. Shadow rules are evaluated and recorded but never decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from moderation.records import (
    ACTION_SEVERITY,
    SCORE_VARIANTS,
    Action,
    Comment,
    Decision,
    RuleMatch,
    Scores,
    base_score_name,
)
from moderation.rules.compiled import compile_matching
from moderation.rules.conditions import Condition, Evidence, Subject
from moderation.rules.context import NO_CONTEXT, Context
from moderation.rules.expression import Expression
from moderation.rules.reading import Reading
from moderation.scoring import MAX_READ

LIVE, SHADOW = "live", "shadow"
# Not a rule of any file: a comment whose text could not be read fully is held for a human,
# above every rule (a reject rule would otherwise remove it unseen).
UNREADABLE = "unreadable-text"
UNREADABLE_PRIORITY = 1_000_000
# What moderators decided about an author (store/authors.py), applied as a rule would be:
# a banned author's comments are rejected, a premoderated author's are held at least.
AUTHOR_STANDING = {
    "ban": ("author-banned", Action.REJECT, "the author is banned"),
    "premoderate": (
        "author-premoderated",
        Action.HOLD,
        "the author's comments are held for review",
    ),
}


def unread(comment: Comment) -> str | None:
    """Why a human must read the comment whatever the rules say: its text could not be read
    fully, or it is longer than the scorers read."""
    if comment.unreadable:
        return comment.unreadable
    if len(comment.text) > MAX_READ:
        return f"{len(comment.text):,} characters long: only the first {MAX_READ:,} were scored"
    return None


def bounded(comment: Comment) -> Comment:
    """The comment with text and quote cut to what the scorers read, so that rules, like
    scores, cost the same for a 200 MB comment as for one of 20,480 characters (it is held
    for a human by `unread`)."""
    if len(comment.text) <= MAX_READ and len(comment.quote or "") <= MAX_READ:
        return comment
    return replace(
        comment, text=comment.text[:MAX_READ], quote=comment.quote and comment.quote[:MAX_READ]
    )


@dataclass(frozen=True)
class Example:
    """A text (with optional scores and context) that a rule must or must not match."""

    expect_match: bool
    comment: Comment
    scores: Mapping[str, float]
    context: Context
    line: int

    def subject(self) -> Subject:
        """The example as the rule sees it. Scores of its text stand for those of its
        identity-neutral and de-obfuscated forms, unless it gives those too."""
        scores = dict(self.scores)
        for name, value in self.scores.items():
            if name.startswith("toxicity."):
                for variant in SCORE_VARIANTS:
                    scores.setdefault(f"{variant}.{name}", value)
        return Subject(self.comment, scores, self.context)


@dataclass(frozen=True)
class Rule:
    """One rule from a rule file, compiled."""

    id: str
    description: str
    action: Action
    priority: int
    conditions: Mapping[str, Condition]
    when: Expression
    line: int  # where the rule starts in its file, for messages
    mode: str = LIVE
    examples: tuple[Example, ...] = ()
    condition_lines: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def shadow(self) -> bool:
        """Whether the rule is only recorded, never acted on."""
        return self.mode == SHADOW

    def precedence(self) -> tuple[int, int]:
        """Sort key: higher wins."""
        return (self.priority, ACTION_SEVERITY[self.action])

    def score_names(self) -> frozenset[str]:
        """Every score the rule's conditions read."""
        return frozenset(n for c in self.conditions.values() for n in c.score_names())

    def match(self, subject: Subject) -> RuleMatch | None:
        """The match record if the rule matches the subject, else None."""
        if not self.when.test(subject):
            return None
        return self.record(subject)

    def record(self, subject: Subject) -> RuleMatch:
        """Why the rule matched: every reason and highlighted span."""
        evidence = self.when.explain(subject)
        return RuleMatch(
            rule_id=self.id,
            action=self.action,
            priority=self.priority,
            reasons=tuple(e.reason for e in evidence),
            spans=tuple(span for e in evidence if e.holds for span in e.spans),
            shadow=self.shadow,
        )


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file, in file order, with the file's name and content hash."""

    name: str
    rules: tuple[Rule, ...]
    reading: Reading = field(default_factory=Reading, compare=False)

    @cached_property
    def score_names(self) -> frozenset[str]:
        """Every score any rule reads."""
        return frozenset().union(*(r.score_names() for r in self.rules))

    @cached_property
    def context_names(self) -> frozenset[str]:
        """Facts about author or article that some rule needs and a source may not give."""
        names = set()
        for rule in self.rules:
            for condition in rule.conditions.values():
                variable = getattr(condition, "variable", None) or getattr(
                    condition, "fact_name", None
                )
                if variable in ("author_rejections", "article_age_hours", "first_comment"):
                    names.add(variable)
        return frozenset(names)

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        """Rules by id."""
        return {r.id: r for r in self.rules}

    def unavailable(self, produced: set[str]) -> dict[str, list[str]]:
        """Rule id -> scores it reads that the models in use do not produce.

        Quote scores are left out: a comment with no quote simply has none.
        """
        missing = {}
        for rule in self.rules:
            absent = sorted(
                n
                for n in rule.score_names()
                if not n.startswith("quote.") and base_score_name(n) not in produced
            )
            if absent:
                missing[rule.id] = absent
        return missing

    def subject(self, comment: Comment, scores: Scores, context: Context = NO_CONTEXT) -> Subject:
        """What the rules look at for this comment: as much of its text as was scored."""
        return Subject(bounded(comment), scores.values(), context)

    @cached_property
    def _matching(self) -> Callable[[Subject], list[Rule]]:
        return compile_matching(self.rules)

    def prepare(self) -> None:
        """Build now what is otherwise built on first use: each list's pattern, the one-pass
        scan, the grammar and vocabulary, the compiled file. A server pays for it before
        its first request rather than in it; a benchmark, before its clock starts."""
        for rule in self.rules:
            for condition in rule.conditions.values():
                condition.prepare()
        _ = self._matching

    def matching(self, subject: Subject) -> list[Rule]:
        """The rules that match, in file order, fastest path: no explanations built."""
        return self._matching(subject)

    @staticmethod
    def winner(matched: list[Rule]) -> Rule | None:
        """The live rule that decides among those matched, or None."""
        if not matched:
            return None
        live = [r for r in matched if not r.shadow]
        return max(live, key=Rule.precedence, default=None)

    def decide(self, comment: Comment, scores: Scores, context: Context = NO_CONTEXT) -> Decision:
        """Evaluate every rule; the highest-precedence live match decides."""
        subject = self.subject(comment, scores, context)
        matched = sorted(self.matching(subject), key=Rule.precedence, reverse=True)
        absent = {n for n in self.score_names - subject.scores.keys() if not n.startswith("quote.")}
        absent |= {n for n in self.context_names if getattr(context, n) is None}
        matches = tuple(rule.record(subject) for rule in matched)
        reason = unread(comment)
        if reason:  # whatever the rules say, a human sees what could not be read
            matches = (RuleMatch(UNREADABLE, Action.HOLD, UNREADABLE_PRIORITY, (reason,)), *matches)
        standing = _standing_match(context)
        if standing is not None:
            matches = (standing, *matches)
        return Decision(
            action=_stricter(self.action(comment, matched), standing),
            matches=matches,
            ruleset=self.name,
            missing=tuple(sorted(absent)),
        )

    def action(self, comment: Comment, matched: list[Rule]) -> Action | None:
        """What happens to the comment: hold when its text could not be read fully, else
        what the deciding rule says (None when no live rule matched)."""
        if unread(comment):
            return Action.HOLD
        winner = self.winner(matched)
        return winner.action if winner else None

    def explain(self, subject: Subject) -> list[tuple[Rule, bool, list[Evidence]]]:
        """Every rule, whether it matched, and the evidence either way."""
        return [(rule, rule.when.test(subject), rule.when.explain(subject)) for rule in self.rules]


def _standing_match(context: Context) -> RuleMatch | None:
    """The match that stands for a moderator's ban or premoderation of the author."""
    if context.author_standing not in AUTHOR_STANDING:
        return None
    rule_id, action, reason = AUTHOR_STANDING[context.author_standing]
    return RuleMatch(rule_id, action, UNREADABLE_PRIORITY, (reason,))


def _stricter(action: Action | None, standing: RuleMatch | None) -> Action | None:
    """The rules' action, made at least as strict as the author's standing asks."""
    if standing is None:
        return action
    if action is None or ACTION_SEVERITY[standing.action] > ACTION_SEVERITY[action]:
        return standing.action
    return action
