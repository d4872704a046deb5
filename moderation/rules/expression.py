"""The `when:` line of a rule: condition names joined by and, or, not and parentheses.

It is parsed with Python's `ast` module into a tree and never evaluated as Python: only
names, `and`, `or`, `not` and grouping are accepted. The tree is kept so that `rules check`
can rewrite it as alternatives of plain conditions (disjunctive normal form).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import product

from moderation.rules.conditions import Condition, Evidence, Subject

MAX_ALTERNATIVES = 256  # beyond this, `rules check` does not expand an expression


class ExpressionError(ValueError):
    """A `when:` expression that cannot be used, with the column (0-based) of the problem."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


Literal = tuple[Condition, bool]  # a condition, and whether it must hold (True) or fail


@dataclass(frozen=True)
class Expression:
    """A compiled `when:` expression: a fast test, and evidence for whichever way it went."""

    source: str
    test: Callable[[Subject], bool]
    explain: Callable[[Subject], list[Evidence]]
    names: frozenset[str]
    tree: ast.expr
    conditions: Mapping[str, Condition]

    def alternatives(self) -> list[list[Literal]] | None:
        """The expression as `or` of `and`s of conditions or their negations; None if too large."""
        return _dnf(self.tree, self.conditions, positive=True)


def compile_expression(source: str, conditions: Mapping[str, Condition]) -> Expression:
    """Compile `source` against the rule's named conditions."""
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        message = f"cannot read condition expression: {exc.msg}"
        raise ExpressionError(message, (exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"expression nested too deeply (at most {MAX_DEPTH} levels)", 0
        ) from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"expression nested too deeply (at most {MAX_DEPTH} levels)", 0)
    names: set[str] = set()
    test, explain = _compile(tree, conditions, names)
    return Expression(source, test, explain, frozenset(names), tree, conditions)


MAX_DEPTH = 50  # levels of and/or/not: far past what an editor writes, short of recursion limits


def _depth(tree: ast.expr) -> int:
    """How deep the expression nests, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def all_of(conditions: Mapping[str, Condition]) -> Expression:
    """The expression used when a rule has no `when:`: every condition must hold."""
    return compile_expression(" and ".join(conditions), conditions)


def _compile(node: ast.expr, conditions: Mapping[str, Condition], names: set[str]) -> tuple:
    """A (test, explain) pair for the node; explain gives the evidence for its outcome."""
    if isinstance(node, ast.Name):
        if node.id not in conditions:
            known = ", ".join(conditions) or "none"
            message = f"'{node.id}' is not a condition of this rule (conditions: {known})"
            raise ExpressionError(message, node.col_offset)
        names.add(node.id)
        condition = conditions[node.id]
        return condition.test, lambda s: [condition.explain(s)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner_test, inner_explain = _compile(node.operand, conditions, names)
        return (lambda s: not inner_test(s)), (
            lambda s: [
                Evidence(not e.holds, f"not ({e.reason})", e.spans, e.missing)
                for e in inner_explain(s)
            ]
        )
    if isinstance(node, ast.BoolOp):
        parts = [_compile(value, conditions, names) for value in node.values]
        # Cheap tests first: `and`/`or` stop early, and a reply check costs less than a word list.
        costs = [condition_cost(value, conditions) for value in node.values]
        tests = [
            t for _, (t, _) in sorted(zip(costs, parts, strict=True), key=lambda pair: pair[0])
        ]
        # `and` is decided by its failing parts when it fails; `or` by its holding parts.
        decisive = isinstance(node.op, ast.And)
        test = _all(tests) if decisive else _any(tests)

        def explain(s: Subject) -> list[Evidence]:
            outcome = test(s)
            chosen = [x for t, x in parts if outcome == decisive or t(s) != decisive]
            return [e for x in chosen for e in x(s)]

        return test, explain
    raise ExpressionError(
        "only condition names, 'and', 'or', 'not' and parentheses are allowed", node.col_offset
    )


def condition_cost(node: ast.expr, conditions: Mapping[str, Condition]) -> int:
    """Rough cost of testing a node: `and`/`or` test their cheapest parts first."""
    if isinstance(node, ast.Name):
        return conditions[node.id].cost
    if isinstance(node, ast.UnaryOp):
        return condition_cost(node.operand, conditions)
    return sum(condition_cost(value, conditions) for value in node.values)


def _all(tests: list[Callable[[Subject], bool]]) -> Callable[[Subject], bool]:
    if len(tests) == 2:
        first, second = tests
        return lambda s: first(s) and second(s)
    return lambda s: all(t(s) for t in tests)


def _any(tests: list[Callable[[Subject], bool]]) -> Callable[[Subject], bool]:
    if len(tests) == 2:
        first, second = tests
        return lambda s: first(s) or second(s)
    return lambda s: any(t(s) for t in tests)


def _dnf(
    node: ast.expr, conditions: Mapping[str, Condition], positive: bool
) -> list[list[Literal]] | None:
    if isinstance(node, ast.Name):
        return [[(conditions[node.id], positive)]]
    if isinstance(node, ast.UnaryOp):
        return _dnf(node.operand, conditions, not positive)
    parts = [_dnf(v, conditions, positive) for v in node.values]
    if any(p is None for p in parts):
        return None
    # De Morgan: under negation, `and` becomes `or` and the other way round.
    conjunction = isinstance(node.op, ast.And) == positive
    if not conjunction:
        return [term for part in parts for term in part]
    combined = 1
    for part in parts:
        combined *= len(part)
    if combined > MAX_ALTERNATIVES:
        return None
    return [[lit for term in terms for lit in term] for terms in product(*parts)]
