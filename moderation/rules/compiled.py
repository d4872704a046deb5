"""A whole rule file as one Python function, for re-evaluating rules over a whole store.

`RuleSet.matching` runs for every stored comment in `rules diff`, so its cost is per
comment times rules times conditions. Calling each rule's compiled closures costs a
Python call per rule, per `and`/`or` and per condition; here the file becomes one
function in which score comparisons are inline (`scores.get(name, nan) >= threshold`: a
missing score is NaN, and NaN compares false, as a missing score must), a measure of the
text is one call on it, and the other conditions are one call each, in the same cheap-first
order as `Expression.test`. A condition that several rules test is called once a comment:
its first answer is kept in a local variable (`m0`), for the rules after.

The generated source is built only from names this module makes up (`c0`, `k0`, `r0`) and
a fixed table of operators: nothing from the rule file is pasted into it. Names, score
labels and thresholds reach the function as bound values, as dataclasses and attrs do
when they generate methods.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from moderation.rules.conditions import (
    TEXT_MEASURES,
    Compare,
    Condition,
    FirstComment,
    IsReply,
    Subject,
)
from moderation.rules.expression import condition_cost

if TYPE_CHECKING:
    from moderation.rules.engine import Rule

_OPERATORS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "=="}
# Measures that are an attribute away, read inline rather than through a call: never None.
_INLINE_MEASURES = {
    "reply_depth": "s.comment.depth",
    "back_and_forth": "s.context.back_and_forth",
}


def _inline(item: Condition) -> bool:
    """Whether the condition is written out in the function rather than called."""
    if isinstance(item, Compare):
        return bool(item.score_names()) or item.variable in (*_INLINE_MEASURES, *TEXT_MEASURES)
    return isinstance(item, (IsReply, FirstComment))


def compile_matching(rules: Sequence[Rule]) -> Callable[[Subject], list[Rule]]:
    """One function: subject -> the rules (in file order) that match it."""
    namespace: dict[str, object] = {"nan": float("nan")}
    names: dict[object, str] = {}

    def bind(prefix: str, value: object) -> str:
        # Constants (k) are shared by value; callables, sets and rules (c, r) by identity.
        key = (prefix, id(value) if prefix in ("c", "r") else value)
        if key not in names:
            names[key] = f"{prefix}{len(names)}"
            namespace[names[key]] = value
        return names[key]

    scans: dict[tuple[str, str], str] = {}  # (index, field) -> its local variable
    # A condition that several rules test (the same list in the same field) is tested once
    # a comment: its first answer is kept in a local variable.
    uses = Counter(c.key() for rule in rules for c in rule.conditions.values() if not _inline(c))
    memos: dict[tuple, str] = {}

    def field_text(name: str) -> str:
        return "s.comment.text" if name == "text" else f"s.field({bind('k', name)})"

    def condition(item: Condition) -> str:
        if not _inline(item):
            return call(item)
        if isinstance(item, Compare) and item.score_names():
            score, threshold = bind("k", item.variable), bind("k", item.threshold)
            return f"get({score}, nan) {_OPERATORS[item.op]} {threshold}"
        if isinstance(item, Compare) and item.variable in _INLINE_MEASURES:
            value = _INLINE_MEASURES[item.variable]
            return f"{value} {_OPERATORS[item.op]} {bind('k', item.threshold)}"
        if isinstance(item, Compare) and item.variable in TEXT_MEASURES:
            text = field_text(item.field)
            measure = bind("c", TEXT_MEASURES[item.variable])
            return f"{measure}({text}) {_OPERATORS[item.op]} {bind('k', item.threshold)}"
        if isinstance(item, IsReply):
            return f"(s.comment.parent_id is {'not ' if item.wanted else ''}None)"
        assert isinstance(item, FirstComment)
        return f"(s.context.first_comment is {item.wanted})"

    def call(item: Condition) -> str:
        test = f"{bind('c', item.test)}(s)"
        if uses[item.key()] > 1:
            memo = memos.setdefault(item.key(), f"m{len(memos)}")
            test = f"({memo} if {memo} is not None else ({memo} := {test}))"
        scan_filter = item.scan_filter()
        if scan_filter is not None:
            # The file's lists are found in one scan per field; a condition none of whose
            # forms it found cannot hold, and is not called. Own words are part of the
            # text: the text's scan serves them.
            index, normalise, forms = scan_filter
            field = "text" if item.field == "own" else item.field
            scan = scans.setdefault((bind("c", index), field), f"h{len(scans)}")
            return f"not {bind('c', forms)}.isdisjoint({scan}[{int(normalise)}]) and {test}"
        return test

    def expression(node: ast.expr, conditions: dict[str, Condition]) -> str:
        if isinstance(node, ast.Name):
            return condition(conditions[node.id])
        if isinstance(node, ast.UnaryOp):
            return f"not ({expression(node.operand, conditions)})"
        joiner = " and " if isinstance(node.op, ast.And) else " or "
        values = sorted(node.values, key=lambda v: condition_cost(v, conditions))
        return joiner.join(f"({expression(v, conditions)})" for v in values)

    body = []
    for rule in rules:
        test = expression(rule.when.tree, dict(rule.conditions))
        body += [f"    if {test}:", f"        found.append({bind('r', rule)})"]
    lines = ["def matching(s):", "    get = s.scores.get", "    found = []"]
    lines += [f"    {scan} = {index}.scan({field_text(field)}, s.cache)"
              for (index, field), scan in scans.items()]  # fmt: skip
    lines += [f"    {memo} = None" for memo in memos.values()]
    lines += [*body, "    return found"]
    exec(compile("\n".join(lines), "<rule file>", "exec"), namespace)
    return namespace["matching"]  # type: ignore[return-value]
