"""Rules: files editors write, compiled once, deciding what happens to each comment."""

from moderation.rules.engine import Rule, RuleSet
from moderation.rules.loader import load_rules, parse_rules

__all__ = ["Rule", "RuleSet", "load_rules", "parse_rules"]
