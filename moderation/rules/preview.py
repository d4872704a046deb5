"""Seeing a rule change before it ships: re-decide stored comments under two rule files.

Nothing is rescored: stored scores are read back. Where moderators have decided on a
comment, each rule's precision is measured against them: a flag on a comment they
rejected is confirmed, one on a comment they approved is overturned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.rules.conditions import Subject
from moderation.rules.engine import Rule, RuleSet, bounded
from moderation.store.evaluation import StoredComment

ACTING = ("hold", "flag", "reject")  # actions that take a comment out of the normal flow


@dataclass
class Precision:
    """Moderator decisions on the comments a rule matched."""

    confirmed: int = 0
    overturned: int = 0

    @property
    def value(self) -> float | None:
        """Share confirmed, or None when moderators decided on none of them."""
        decided = self.confirmed + self.overturned
        return self.confirmed / decided if decided else None


@dataclass
class RuleCounts:
    """How one rule fares under the old and the new file."""

    rule_id: str
    before: int = 0
    after: int = 0
    precision_before: Precision = field(default_factory=Precision)
    precision_after: Precision = field(default_factory=Precision)


@dataclass
class Change:
    """A comment whose action the new file changes."""

    stored: StoredComment
    before: str | None
    after: str | None
    rules_after: tuple[str, ...]


@dataclass
class DiffReport:
    """What switching from the old rule file to the new one would do to the store."""

    total: int = 0
    transitions: Counter = field(default_factory=Counter)  # (before, after) -> comments
    rules: dict[str, RuleCounts] = field(default_factory=dict)
    newly_flagged: list[Change] = field(default_factory=list)
    newly_cleared: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Comments whose action differs."""
        return sum(n for (before, after), n in self.transitions.items() if before != after)


def diff(
    old: RuleSet, new: RuleSet, stored: Iterable[StoredComment], sample: int = 5
) -> DiffReport:
    """Decide every stored comment under both files and compare."""
    report = DiffReport()
    for item in stored:
        report.total += 1
        subject = Subject(bounded(item.comment), item.scores.values(), item.context)
        before, after = old.matching(subject), new.matching(subject)
        _count(report, before, item.review, "before")
        _count(report, after, item.review, "after")
        action_before, action_after = _action(old, before, item), _action(new, after, item)
        report.transitions[(action_before, action_after)] += 1
        if action_before == action_after:
            continue
        change = Change(item, action_before, action_after, tuple(r.id for r in after))
        if action_after in ACTING and action_before not in ACTING:
            report.newly_flagged.append(change)
        elif action_before in ACTING and action_after not in ACTING:
            report.newly_cleared.append(change)
    report.newly_flagged = report.newly_flagged[:sample]
    report.newly_cleared = report.newly_cleared[:sample]
    return report


def _action(ruleset: RuleSet, matched: list[Rule], item: StoredComment) -> str | None:
    action = ruleset.action(item.comment, matched)
    return action.value if action else None


def _count(report: DiffReport, matched: list[Rule], review: str | None, side: str) -> None:
    for rule in matched:
        counts = report.rules.setdefault(rule.id, RuleCounts(rule.id))
        setattr(counts, side, getattr(counts, side) + 1)
        precision = getattr(counts, f"precision_{side}")
        if review == "rejected":
            precision.confirmed += 1
        elif review == "approved":
            precision.overturned += 1
