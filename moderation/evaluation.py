"""What a rule file is worth: its flags measured against labelled comments.

`evaluate` reads any input `score` reads, scores and decides every comment as a run
would (no store: no author history), and compares "flagged" (any action but approve)
with each comment's label:

- precision, recall, F1, accuracy and the confusion table of the whole file;
- for each rule: its matches, how many were false flags, and what it alone adds (the
  comments that no other live rule would have flagged, right and wrong);
- each score's AUC and its best single threshold (F1), to compare rules with a plain cut;
- flag rate, false-flag rate and accuracy per group (a column of the input) and per
  identity term the rule file names, found in the text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from moderation.core import Moderator
from moderation.errors import ModerationError
from moderation.records import Action
from moderation.sources import Found

TRUE_VALUES = ("1", "true", "yes", "y", "t", "toxic", "hate", "hateful", "positive", "flag")
BATCH = 256


class LabelError(ModerationError):
    """A labelled input that cannot be evaluated: no such column, or no labels of one kind."""


@dataclass
class Counts:
    """A confusion table, and what follows from it."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, flagged: bool, positive: bool) -> None:
        """Count one comment."""
        if flagged:
            self.tp, self.fp = self.tp + positive, self.fp + (not positive)
        else:
            self.fn, self.tn = self.fn + positive, self.tn + (not positive)

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def measures(self) -> dict[str, float | None]:
        """Precision, recall, F1, accuracy, flag rate and false-flag rate (None: no cases)."""
        precision = _ratio(self.tp, self.tp + self.fp)
        recall = _ratio(self.tp, self.tp + self.fn)
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision and recall
            else (0.0 if precision is not None and recall is not None else None)
        )
        return {
            "precision": precision, "recall": recall, "f1": f1,
            "accuracy": _ratio(self.tp + self.tn, self.total),
            "flag_rate": _ratio(self.tp + self.fp, self.total),
            "false_flag_rate": _ratio(self.fp, self.fp + self.tn),
        }  # fmt: skip


@dataclass
class RuleCounts:
    """One rule's matches over the labelled comments."""

    matches: int = 0
    false_flags: int = 0
    alone_true: int = 0  # labelled positive, and flagged by no other live rule
    alone_false: int = 0
    shadow: bool = False


@dataclass
class ScoreQuality:
    """How well one score alone separates the labels."""

    auc: float | None
    best_threshold: float | None
    best_f1: float | None


@dataclass
class Evaluation:
    """Everything `moderation evaluate` reports."""

    ruleset: str
    model: str
    overall: Counts = field(default_factory=Counts)
    rules: dict[str, RuleCounts] = field(default_factory=dict)
    scores: dict[str, ScoreQuality] = field(default_factory=dict)
    groups: dict[str, Counts] = field(default_factory=dict)
    identity_terms: dict[str, Counts] = field(default_factory=dict)
    unlabelled: int = 0

    def as_dict(self) -> dict:
        """Plain data, with every measure worked out, for --json."""

        def table(counts: Counts) -> dict:
            return asdict(counts) | counts.measures()

        return {
            "ruleset": self.ruleset, "model": self.model, "unlabelled": self.unlabelled,
            "overall": table(self.overall),
            "rules": {k: asdict(v) for k, v in self.rules.items()},
            "scores": {k: asdict(v) for k, v in self.scores.items()},
            "groups": {k: table(v) for k, v in self.groups.items()},
            "identity_terms": {k: table(v) for k, v in self.identity_terms.items()},
        }  # fmt: skip


def label_of(found: Found, column: str, positive: Sequence[str]) -> bool | None:
    """Whether a comment is labelled positive; None where it has no label."""
    value = (found.record or {}).get(column)
    if value is None:
        value = getattr(found.comment, column, None)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().lower()
    if positive:
        return text in {p.strip().lower() for p in positive}
    if text in TRUE_VALUES:
        return True
    try:
        return float(text) >= 0.5
    except ValueError:
        return False


def evaluate(
    moderator: Moderator,
    found: Iterable[Found],
    label: str,
    positive: Sequence[str] = (),
    group: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Score and decide every labelled comment, and measure the rules against the labels."""
    result = Evaluation(moderator.rules.name, moderator.toxicity_id)
    for rule in moderator.rules.rules:
        result.rules[rule.id] = RuleCounts(shadow=rule.shadow)
    values: dict[str, list[float]] = {}
    labels: list[bool] = []
    batch: list[tuple[Found, bool]] = []

    def run() -> None:
        decided = moderator.moderate_many([f.comment for f, _ in batch], author_history=False)
        for (item, positive), moderated in zip(batch, decided, strict=True):
            _count(result, moderator, item, positive, moderated, group)
            flat = moderated.scores.values()
            for name in set(values) | set(flat):
                values.setdefault(name, [math.nan] * len(labels)).append(flat.get(name, math.nan))
            labels.append(positive)
        if progress:
            progress(len(batch))
        batch.clear()

    for item in found:
        labelled = label_of(item, label, positive)
        if labelled is None:
            result.unlabelled += 1
            continue
        batch.append((item, labelled))
        if len(batch) >= BATCH:
            run()
    if batch:
        run()
    if not labels:
        raise LabelError(
            f"no comment has a label in '{label}' (is it the column's name? --label names it)"
        )
    result.scores = {name: score_quality(v, labels) for name, v in sorted(values.items())}
    return result


def _count(result: Evaluation, moderator: Moderator, item: Found, positive: bool, moderated,
           group: str | None) -> None:  # fmt: skip
    decision = moderated.decision
    flagged = decision.action not in (None, Action.APPROVE)
    result.overall.add(flagged, positive)
    acting = [m for m in decision.matches if not m.shadow and m.action != Action.APPROVE]
    for match in decision.matches:
        counts = result.rules.get(match.rule_id)
        if counts is None:
            continue
        counts.matches += 1
        counts.false_flags += not positive
        if not match.shadow and len(acting) == 1 and acting[0] is match:
            counts.alone_true += positive
            counts.alone_false += not positive
    if group:
        name = str((item.record or {}).get(group, getattr(item.comment, group, "")) or "(none)")
        result.groups.setdefault(name, Counts()).add(flagged, positive)
    for term in moderator.rules.reading.identity_terms_in(item.comment.text):
        result.identity_terms.setdefault(term, Counts()).add(flagged, positive)


def score_quality(values: list[float], labels: list[bool]) -> ScoreQuality:
    """AUC, and the threshold with the best F1, of one score against the labels."""
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    pairs = [(v, y) for v, y in zip(values, labels, strict=True) if not math.isnan(v)]
    ys = [y for _, y in pairs]
    if not pairs or all(ys) or not any(ys):
        return ScoreQuality(None, None, None)
    xs = [v for v, _ in pairs]
    auc = float(roc_auc_score(ys, xs))
    precision, recall, thresholds = precision_recall_curve(ys, xs)
    best, best_at = 0.0, None
    for p, r, t in zip(precision[:-1], recall[:-1], thresholds, strict=True):
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best:
            best, best_at = float(f1), float(t)
    return ScoreQuality(round(auc, 4), best_at, round(best, 4))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
