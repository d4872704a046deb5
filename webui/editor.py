"""For editors: the rule file in use, reloading it, per-rule outcomes, score distributions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from moderation.errors import RuleFileError
from moderation.records import SCORE_VARIANTS, base_score_name
from moderation.rules import RuleSet
from moderation.rules.conditions import Compare
from moderation.store import decisions
from webui.auth import role_required
from webui.state import connection, moderation

bp = Blueprint("editor", __name__)


@bp.route("/rules")
@role_required("editor")
def index():
    rules = moderation().rules
    with connection() as conn:
        stats = decisions.rule_stats(conn)
        histograms = decisions.histograms(conn)
    source = moderation().settings.rules.read_text(encoding="utf-8")
    lines = thresholds(rules)
    charts = [
        chart(label, bins, -1.0 if label.startswith("sentiment") else 0.0, lines.get(label, []))
        for label, bins in sorted(histograms["labels"].items())
    ]
    return render_template(
        "rules.html", rules=rules, stats=stats, model=histograms["model"], charts=charts,
        source=source,
    )  # fmt: skip


def thresholds(rules: RuleSet) -> dict[str, list[tuple[str, str, float]]]:
    """score label -> (rule id, comparison, threshold) of each rule, shadow ones too, that
    compares the comment's own score with a threshold. A threshold on the identity-neutral
    or de-obfuscated form of a score is drawn on that score's chart."""
    found: dict[str, list[tuple[str, str, float]]] = {}
    for rule in rules.rules:
        for condition in rule.conditions.values():
            if isinstance(condition, Compare) and condition.field == "text":
                variable = condition.variable
                if variable.split(".", 1)[0] in SCORE_VARIANTS:
                    variable = base_score_name(variable)
                found.setdefault(variable, []).append((rule.id, condition.op, condition.threshold))
    return found


# The chart's drawing area inside its 260 x 150 viewBox: counts up the left, scores below.
LEFT, RIGHT, TOP, BOTTOM = 34, 250, 14, 118


def chart(label: str, bins: list[int], low: float, lines: list) -> dict:
    """A histogram's bars, axes and the rules' thresholds, placed in SVG units."""
    peak = max(bins) or 1
    width, height = (RIGHT - LEFT) / len(bins), BOTTOM - TOP

    def x(value: float) -> float:
        return round(LEFT + (value - low) / (1.0 - low) * (RIGHT - LEFT), 1)

    bars = [
        {"x": round(LEFT + i * width + 1, 1), "w": round(width - 2, 1), "count": count,
         "h": round(count / peak * height, 1), "y": round(BOTTOM - count / peak * height, 1),
         "range": f"{low + i * (1 - low) / len(bins):.1f} to {low + (i + 1) * (1 - low) / len(bins):.1f}"}
        for i, count in enumerate(bins)
    ]  # fmt: skip
    ticks = [
        (x(low + step * (1.0 - low) / 4), f"{low + step * (1.0 - low) / 4:g}") for step in range(5)
    ]
    marks = [
        {"x": x(min(1.0, max(low, t))), "rule": rule, "op": op, "threshold": t}
        for rule, op, t in lines
    ]
    return {"label": label, "bars": bars, "ticks": ticks, "peak": peak, "marks": marks,
            "total": sum(bins)}  # fmt: skip


@bp.route("/rules/reload", methods=["POST"])
@role_required("editor")
def reload():
    try:
        rules = moderation().reload_rules()
    except RuleFileError as error:
        flash(f"Not reloaded, the rules in use are unchanged: {error}")
    else:
        flash(f"Reloaded {rules.name}: {len(rules.rules)} rules.")
    return redirect(url_for("editor.index"))
