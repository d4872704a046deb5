"""Compiled rules, and the decision they reach for a comment.

Precedence: of the rules that match, the one with the highest priority decides; at equal
priority the stricter action wins (reject, then hold, flag, approve); then file order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from moderation.records import ACTION_SEVERITY, Action, Comment, Decision, RuleMatch, Scores
from moderation.rules.conditions import Condition, Subject
from moderation.rules.expression import Expression


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

    def score_names(self) -> frozenset[str]:
        """Every score the rule's conditions read."""
        return frozenset(n for c in self.conditions.values() for n in c.score_names())

    def match(self, subject: Subject) -> RuleMatch | None:
        """The match record if the rule matches the subject, else None."""
        if not self.when.test(subject):
            return None
        evidence = self.when.explain(subject)
        return RuleMatch(
            rule_id=self.id,
            action=self.action,
            priority=self.priority,
            reasons=tuple(e.reason for e in evidence),
            spans=tuple(span for e in evidence if e.holds for span in e.spans),
        )


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file, in file order, with the file's name and content hash."""

    name: str
    rules: tuple[Rule, ...]

    @cached_property
    def score_names(self) -> frozenset[str]:
        """Every score any rule reads."""
        return frozenset().union(*(r.score_names() for r in self.rules))

    def unavailable(self, produced: set[str]) -> dict[str, list[str]]:
        """Rule id -> scores it reads that the models in use do not produce.

        Quote scores are left out: a comment with no quote simply has none.
        """
        missing = {}
        for rule in self.rules:
            absent = sorted(n for n in rule.score_names() - produced if not n.startswith("quote."))
            if absent:
                missing[rule.id] = absent
        return missing

    def decide(self, comment: Comment, scores: Scores) -> Decision:
        """Evaluate every rule on the comment; the highest-precedence match decides."""
        values = scores.values()
        subject = Subject(comment, values)
        matches = [m for rule in self.rules if (m := rule.match(subject)) is not None]
        matches.sort(key=lambda m: (-m.priority, -ACTION_SEVERITY[m.action]))
        absent = self.score_names - values.keys()
        missing = tuple(sorted(n for n in absent if not n.startswith("quote.")))
        return Decision(
            action=matches[0].action if matches else None,
            matches=tuple(matches),
            ruleset=self.name,
            missing=missing,
        )
