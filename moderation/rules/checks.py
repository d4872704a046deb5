"""Checks of a compiled rule set that find likely mistakes before they reach readers.

Each rule's `when:` is rewritten as alternatives of plain conditions (see
`Expression.alternatives`). Conditions on numbers become ranges, so contradictions such
as `insult >= 0.8 and insult < 0.5`, or `is_reply: false` with `reply_depth >= 2`, are
found; other conditions are compared by what they test. From that:

- a rule none of whose alternatives can hold can never match;
- a rule B is overridden by A when every way B can match also makes A match and A wins;
- an `approve` rule and a rule that acts can both match one comment: the winner is named
  (these two compare pairs of rules: `overlaps.py`);
- a score the chosen model does not produce makes a condition, or a whole rule, dead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from moderation.records import base_score_name
from moderation.rules.conditions import NEGATED, Compare, Condition, IsReply, Words
from moderation.rules.engine import Rule, RuleSet
from moderation.rules.expression import Literal
from moderation.rules.loader import Problem
from moderation.rules.overlaps import TermTable, conflicts, overrides

DETOXIFY_LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
MODEL_LABELS: dict[str, tuple[str, ...]] = {
    "original": DETOXIFY_LABELS,
    "original-small": DETOXIFY_LABELS,
    "unbiased": (*DETOXIFY_LABELS, "sexual_explicit"),
    "unbiased-small": (*DETOXIFY_LABELS, "sexual_explicit"),
    "multilingual": (*DETOXIFY_LABELS, "sexual_explicit"),
    "profanity-check": ("profanity",),
}
MODEL_NAMES = {name: f"detoxify '{name}'" for name in MODEL_LABELS} | {
    "profanity-check": "the fallback alt-profanity-check"
}


@dataclass(frozen=True)
class Range:
    """Values a number may take: low..high, each end open or closed."""

    low: float = -math.inf
    high: float = math.inf
    low_closed: bool = True
    high_closed: bool = True

    @classmethod
    def of(cls, op: str, value: float) -> Range | None:
        """The range `op value` allows; None for `!=`, which no single range can say."""
        return {
            ">=": cls(low=value),
            ">": cls(low=value, low_closed=False),
            "<=": cls(high=value),
            "<": cls(high=value, high_closed=False),
            "==": cls(low=value, high=value),
        }.get(op)

    def __and__(self, other: Range) -> Range:
        low = max((self.low, not self.low_closed), (other.low, not other.low_closed))
        high = min((self.high, self.high_closed), (other.high, other.high_closed))
        return Range(low[0], high[0], not low[1], high[1])

    def empty(self) -> bool:
        """Whether no value fits."""
        return self.low > self.high or (
            self.low == self.high and not (self.low_closed and self.high_closed)
        )

    def within(self, other: Range) -> bool:
        """Whether every value in this range is in `other`."""
        return not self.empty() and (self & other) == self


def _numeric(condition: Condition, positive: bool) -> tuple[tuple[str, str], Range, Range] | None:
    """(variable, range it must lie in, the variable's whole domain) for a condition on a number."""
    if isinstance(condition, IsReply):
        condition = Compare(condition.name, "reply_depth", ">=" if condition.wanted else "<", 1)
    if not isinstance(condition, Compare):
        return None
    op = condition.op if positive else NEGATED[condition.op]
    allowed = Range.of(op, condition.threshold)
    low, high = condition.domain()
    return ((condition.variable, condition.field), allowed or Range(), Range(low, high))


@dataclass
class _Term:
    """One alternative of a rule: ranges of numbers and required outcomes of other tests."""

    literals: list[Literal]
    ranges: dict[tuple[str, str], Range]
    facts: dict[tuple, bool]
    words: list[tuple[Words, bool]]
    contradiction: str | None = None

    @classmethod
    def of(cls, literals: list[Literal]) -> _Term:
        term = cls(literals, {}, {}, [])
        for condition, positive in literals:
            numeric = _numeric(condition, positive)
            if numeric is not None:
                variable, allowed, domain = numeric
                term.ranges[variable] = term.ranges.get(variable, domain) & allowed
                if term.ranges[variable].empty():
                    term.contradiction = (
                        term.contradiction
                        or f"its conditions on {variable[0]} contradict each other"
                    )
                continue
            if isinstance(condition, Words):
                term.words.append((condition, positive))
            key = condition.key()
            if term.facts.setdefault(key, positive) != positive:
                term.contradiction = (
                    term.contradiction or f"'{condition.name}' must hold and fail at once"
                )
        return term


def _terms(rule: Rule) -> list[_Term] | None:
    alternatives = rule.when.alternatives()
    return None if alternatives is None else [_Term.of(literals) for literals in alternatives]


def check_rules(ruleset: RuleSet, path: Path, model: str | None = None) -> list[Problem]:
    """Warnings about the rule set; with `model`, also about scores it does not produce."""
    terms = {rule.id: _terms(rule) for rule in ruleset.rules}
    problems = []
    for rule in ruleset.rules:
        possible = [t for t in terms[rule.id] or [] if t.contradiction is None]
        if terms[rule.id] is not None and not possible:
            reason = terms[rule.id][0].contradiction
            problems.append(_warn(path, rule, f"rule '{rule.id}' can never match: {reason}"))
        if model is not None:
            problems += _model_problems(path, rule, possible, model)
    live = [r for r in ruleset.rules if not r.shadow and terms[r.id] is not None]
    alive = {r.id: [t for t in terms[r.id] if t.contradiction is None] for r in live}
    table = TermTable(live, alive)
    for overlap in [*overrides(table), *conflicts(table)]:
        problems.append(_warn(path, overlap.rule, overlap.message))
    return problems


def _warn(path: Path, rule: Rule, message: str, position: tuple | None = None) -> Problem:
    line, column = position or (rule.line, None)
    return Problem(str(path), line, column, message, "warning")


def _model_problems(path: Path, rule: Rule, possible: list[_Term], model: str) -> list[Problem]:
    produced = {f"toxicity.{label}" for label in MODEL_LABELS[model]}
    described = f"{MODEL_NAMES[model]} (it gives {', '.join(MODEL_LABELS[model])})"
    problems, dead = [], set()
    for name, condition in rule.conditions.items():
        absent = [
            n
            for n in condition.score_names()
            if base_score_name(n).startswith("toxicity.") and base_score_name(n) not in produced
        ]
        if absent:
            dead.add(name)
            message = f"rule '{rule.id}', condition '{name}': {absent[0]} is not produced by {described}; it never holds"
            problems.append(_warn(path, rule, message, rule.condition_lines.get(name)))
    # A score that is absent fails every comparison: an alternative that needs one to hold is dead.
    if (
        dead
        and possible
        and all(any(c.name in dead and positive for c, positive in t.literals) for t in possible)
    ):
        problems.append(
            _warn(path, rule, f"rule '{rule.id}' can never match with {MODEL_NAMES[model]}")
        )
    return problems
