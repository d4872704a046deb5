"""The `when:` line of a rule: condition names joined by and, or, not and parentheses.

It is parsed with Python's `ast` module into a tree and never evaluated as Python: only
names, `and`, `or`, `not` and grouping are accepted.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from moderation.rules.conditions import Condition, Evidence, Subject


class ExpressionError(ValueError):
    """A `when:` expression that cannot be used, with the column (0-based) of the problem."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Expression:
    """A compiled `when:` expression: a fast test and an explanation for matched rules."""

    source: str
    test: Callable[[Subject], bool]
    explain: Callable[[Subject], list[Evidence]]  # evidence for why it holds, when it does
    names: frozenset[str]


def compile_expression(source: str, conditions: Mapping[str, Condition]) -> Expression:
    """Compile `source` against the rule's named conditions."""
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(
            f"cannot read condition expression: {exc.msg}", (exc.offset or 1) - 1
        ) from None
    names: set[str] = set()
    test, explain = _compile(tree, conditions, names)
    return Expression(source, test, explain, frozenset(names))


def all_of(conditions: Mapping[str, Condition]) -> Expression:
    """The expression used when a rule has no `when:`: every condition must hold."""
    return compile_expression(" and ".join(conditions), conditions)


def _compile(node: ast.expr, conditions: Mapping[str, Condition], names: set[str]) -> tuple:
    """A (test, explain) pair for the node; explain gives the evidence for its outcome."""
    if isinstance(node, ast.Name):
        if node.id not in conditions:
            known = ", ".join(conditions) or "none"
            raise ExpressionError(
                f"'{node.id}' is not a condition of this rule (conditions: {known})",
                node.col_offset,
            )
        names.add(node.id)
        condition = conditions[node.id]
        return condition.test, lambda s: [condition.explain(s)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner_test, inner_explain = _compile(node.operand, conditions, names)
        return (lambda s: not inner_test(s)), (
            lambda s: [
                Evidence(not e.holds, f"not ({e.reason})", e.spans) for e in inner_explain(s)
            ]
        )
    if isinstance(node, ast.BoolOp):
        parts = [_compile(value, conditions, names) for value in node.values]
        # `and` is decided by its failing parts when it fails; `or` by its holding parts when it holds.
        decisive = isinstance(node.op, ast.And)
        combine = all if decisive else any

        def test(s: Subject) -> bool:
            return combine(t(s) for t, _ in parts)

        def explain(s: Subject) -> list[Evidence]:
            outcome = test(s)
            chosen = [x for t, x in parts if outcome == decisive or t(s) != decisive]
            return [e for x in chosen for e in x(s)]

        return test, explain
    raise ExpressionError(
        "only condition names, 'and', 'or', 'not' and parentheses are allowed", node.col_offset
    )
