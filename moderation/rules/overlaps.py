"""Which rules overlap: a rule that never decides because another always wins, and an
`approve` rule that can match the same comment as a rule that acts.

Both questions are about pairs of rules, and a file of 10,000 rules has 50 million pairs:
asked pair by pair in Python that took minutes, and listing every overlapping pair gave a
million warnings. Here every alternative (term) of every rule is a row of a table; one
alternative is compared with all rows at once (numpy over the numeric ranges, an index for
the other conditions), and the warnings are grouped per rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from moderation.records import Action

if TYPE_CHECKING:
    from moderation.rules.checks import _Term
    from moderation.rules.engine import Rule

NAMED = 3  # partners named in one grouped warning


@dataclass(frozen=True)
class Overlap:
    """A warning about one rule: `message`, at the rule's line."""

    rule: Rule
    message: str


class TermTable:
    """Every possible alternative of the live rules, as rows."""

    def __init__(self, rules: list[Rule], terms: dict[str, list[_Term]]) -> None:
        self.rules = rules
        ranks = {p: i for i, p in enumerate(sorted({r.precedence() for r in rules}))}
        self.rank = np.array([ranks[r.precedence()] for r in rules])
        self.approves = np.array([r.action == Action.APPROVE for r in rules], dtype=bool)
        self.rule_terms = [terms[rule.id] for rule in rules]
        self.terms = [(i, t) for i, mine in enumerate(self.rule_terms) for t in mine]
        self.row_rule = np.array([i for i, _ in self.terms], dtype=np.int64)
        columns = sorted({v for _, t in self.terms for v in t.ranges}, key=str)
        self.column = {v: c for c, v in enumerate(columns)}
        shape = (len(self.terms), len(columns))
        self.low, self.high = np.full(shape, -math.inf), np.full(shape, math.inf)
        self.mentioned = np.zeros(shape, dtype=bool)
        self.fact_count = np.zeros(len(self.terms), dtype=np.int64)
        self.by_fact: dict[tuple, list[int]] = {}
        self.by_word: dict[tuple, list[int]] = {}  # positive word lists, by each word
        for row, (_, term) in enumerate(self.terms):
            for variable, allowed in term.ranges.items():
                c = self.column[variable]
                self.low[row, c], self.high[row, c] = _closed(allowed)
                self.mentioned[row, c] = True
            self.fact_count[row] = len(term.facts)
            for key, positive in term.facts.items():
                self.by_fact.setdefault((key, positive), []).append(row)
                if key[0] == "words" and positive:
                    for word in key[1]:
                        self.by_word.setdefault((word, *key[2:]), []).append(row)

    def implied_rules(self, term: _Term) -> set[int]:
        """Rules with an alternative that every comment `term` matches also matches."""
        low, high = self._ranges(term, missing=math.nan)
        within = ~self.mentioned | ((low >= self.low) & (high <= self.high))
        rows = within.all(axis=1) & (self._facts_held(term) == self.fact_count)
        return set(self.row_rule[rows].tolist())

    def compatible_rules(self, term: _Term, rows: np.ndarray) -> np.ndarray:
        """Indices of rules with an alternative among `rows` that can match a comment with `term`."""
        low, high = self._ranges(term, missing=None)
        together = (np.maximum(low, self.low[rows]) <= np.minimum(high, self.high[rows])).all(
            axis=1
        )
        opposed = np.zeros(len(self.terms), dtype=bool)
        for key, positive in term.facts.items():
            opposed[self.by_fact.get((key, not positive), [])] = True
        return self.row_rule[rows][together & ~opposed[rows]]

    def _ranges(self, term: _Term, missing: float | None) -> tuple[np.ndarray, np.ndarray]:
        """The term's ranges as one row; a variable it does not name is `missing` (nan: no
        range to be within) or unbounded (None)."""
        fill = (-math.inf, math.inf) if missing is None else (missing, missing)
        low, high = np.full(len(self.column), fill[0]), np.full(len(self.column), fill[1])
        for variable, allowed in term.ranges.items():
            low[self.column[variable]], high[self.column[variable]] = _closed(allowed)
        return low, high

    def _facts_held(self, term: _Term) -> np.ndarray:
        """For each row, how many of its other conditions `term` makes hold."""
        held = np.zeros(len(self.terms), dtype=np.int64)
        for key, positive in term.facts.items():
            held[self.by_fact.get((key, positive), [])] += 1
        # A word list within a row's list implies it: "idiot" is in [idiot, moron].
        lists = [(k[1], k[2:]) for k, p in term.facts.items() if k[0] == "words" and p]
        candidates = {
            row for words, options in lists
            for row in self.by_word.get((next(iter(words)), *options), [])
        }  # fmt: skip
        for row in candidates:
            held[row] += sum(
                1
                for k, p in self.terms[row][1].facts.items()
                if p and k[0] == "words" and term.facts.get(k) is not True
                and any(words <= k[1] and options == k[2:] for words, options in lists)
            )  # fmt: skip
        return held


def _closed(allowed) -> tuple[float, float]:
    """A range as closed float bounds: `x > a` is `x >= the next float after a`."""
    low = allowed.low if allowed.low_closed else float(np.nextafter(allowed.low, math.inf))
    high = allowed.high if allowed.high_closed else float(np.nextafter(allowed.high, -math.inf))
    return low, high


def overrides(table: TermTable) -> list[Overlap]:
    """Rules that never decide: whenever one matches, a rule that wins matches too."""
    found = []
    for i, loser in enumerate(table.rules):
        mine = table.rule_terms[i]
        if not mine:
            continue
        winners = set.intersection(*(table.implied_rules(t) for t in mine))
        winners = sorted(w for w in winners if table.rank[w] > table.rank[i])
        if winners:
            winner = table.rules[winners[0]]
            found.append(Overlap(loser, (
                f"rule '{loser.id}' never decides: whenever it matches, '{winner.id}' matches too "
                f"and wins ({why_wins(winner, loser)})"
            )))  # fmt: skip
    return found


def conflicts(table: TermTable) -> list[Overlap]:
    """Approve rules that can match the same comment as rules that act, grouped per rule."""
    acting = np.flatnonzero(~table.approves[table.row_rule])
    found = []
    for i in np.flatnonzero(table.approves).tolist():
        partner = np.zeros(len(table.rules), dtype=bool)
        for term in table.rule_terms[i]:
            partner[table.compatible_rules(term, acting)] = True
        others = np.flatnonzero(partner)
        approve = table.rules[i]
        if 0 < len(others) <= NAMED:
            found += [_pair(approve, table.rules[j]) for j in others.tolist()]
        elif len(others):
            beaten = int((table.rank[others] < table.rank[i]).sum())
            named = [table.rules[j] for j in others[:NAMED].tolist()]
            found.append(_group(approve, named, len(others), beaten))
    return found


def _pair(approve: Rule, acting: Rule) -> Overlap:
    first, second = sorted((approve, acting), key=lambda r: r.line)
    winner, loser = sorted((approve, acting), key=lambda r: r.precedence(), reverse=True)
    return Overlap(second, (
        f"rules '{first.id}' ({first.action}) and '{second.id}' ({second.action}) can match the "
        f"same comment; '{winner.id}' wins ({why_wins(winner, loser)})"
    ))  # fmt: skip


def _group(approve: Rule, named: list[Rule], count: int, beaten: int) -> Overlap:
    listed = ", ".join(f"'{r.id}'" for r in named)
    return Overlap(approve, (
        f"rule '{approve.id}' (approve) can match the same comment as {count:,} rules that "
        f"act ({listed} and {count - len(named):,} more); it wins over {beaten:,} of them and "
        f"loses to {count - beaten:,}"
    ))  # fmt: skip


def why_wins(winner: Rule, loser: Rule) -> str:
    """Why `winner` decides when both rules match."""
    if winner.priority != loser.priority:
        return f"priority {winner.priority} > {loser.priority}"
    return f"same priority, and {winner.action} is stricter than {loser.action}"
