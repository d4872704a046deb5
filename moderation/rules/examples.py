"""Examples written beside each rule: texts it must match and texts it must not."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.rules.engine import Example, Rule, RuleSet


@dataclass(frozen=True)
class ExampleResult:
    """One example run against its rule."""

    rule: Rule
    example: Example
    matched: bool

    @property
    def passed(self) -> bool:
        """Whether the rule did what the example says it should."""
        return self.matched == self.example.expect_match

    def reasons(self) -> list[str]:
        """Why the rule matched or not, for a failing example."""
        return [e.reason for e in self.rule.when.explain(self.example.subject())]


def run_examples(ruleset: RuleSet) -> list[ExampleResult]:
    """Every example of every rule, each evaluated against its own rule alone."""
    return [
        ExampleResult(rule, example, rule.when.test(example.subject()))
        for rule in ruleset.rules
        for example in rule.examples
    ]
