"""Reading a rule file: YAML with line numbers, checked key by key, compiled once.

Every problem is a `RuleFileError` naming the file, line and column.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import re2
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from moderation.errors import RuleFileError
from moderation.records import Action
from moderation.rules.conditions import (
    FIELDS,
    AuthorIn,
    Condition,
    IsReply,
    Regex,
    ReplyDepth,
    ScoreThreshold,
    Words,
    compile_regex,
)
from moderation.rules.engine import Rule, RuleSet
from moderation.rules.expression import ExpressionError, all_of, compile_expression

SENTIMENT_LABELS = ("neg", "neu", "pos", "compound")
TOXICITY_LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
    "profanity",
)
RULE_KEYS = ("id", "description", "action", "priority", "conditions", "when")
CONDITION_KINDS = ("words", "regex", "is_reply", "reply_depth", "author")
_SCORE = re.compile(
    r"\s*(?P<score>(?:quote\.)?[a-z_]+\.[a-z_]+)\s*(?P<op>>=|<=|==|>|<)\s*(?P<value>-?\d+(?:\.\d+)?)\s*"
)
_DEPTH = re.compile(r"\s*(?P<op>>=|<=|==|>|<)?\s*(?P<value>\d+)\s*")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


def load_rules(path: Path) -> RuleSet:
    """Read, check and compile the rule file at `path`."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(
            path, "no such rule file (pass --rules FILE, or set rules in moderation.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(path, f"cannot be read: {exc}") from None
    return parse_rules(source, path)


def parse_rules(source: str, path: Path) -> RuleSet:
    """Check and compile rule-file text; `path` is used in names and messages."""
    try:
        document = YAML(typ="rt").load(source)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise RuleFileError(
            path, f"YAML syntax: {exc.problem or exc.context}", line, column
        ) from None
    reader = _Reader(path)
    if not isinstance(document, CommentedMap):
        raise RuleFileError(path, "a rule file is a mapping with 'lists' and 'rules'", 1, 1)
    reader.check_keys(document, ("lists", "rules"))
    lists = reader.lists(document.get("lists") or CommentedMap())
    rules_node = document.get("rules")
    if not isinstance(rules_node, CommentedSeq) or not rules_node:
        raise RuleFileError(
            path, "'rules' must be a list with at least one rule", *reader.at(document, "rules")
        )
    rules = [reader.rule(node, rules_node, i, lists) for i, node in enumerate(rules_node)]
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return RuleSet(name=f"{path.name}#{digest}", rules=tuple(rules))


class _Reader:
    """Checks nodes of one file, turning each problem into a positioned RuleFileError."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, position: tuple[int | None, int | None]) -> RuleFileError:
        return RuleFileError(self.path, message, *position)

    @staticmethod
    def at(node: Any, key: Any = None) -> tuple[int | None, int | None]:
        """1-based (line, column) of a mapping key's value, a list item, or the node itself."""
        try:
            if key is None:
                line, column = node.lc.line, node.lc.col
            elif isinstance(node, CommentedSeq):
                line, column = node.lc.item(key)
            else:
                line, column = node.lc.value(key) if key in node else (node.lc.line, node.lc.col)
        except (AttributeError, KeyError, TypeError):
            return None, None
        return line + 1, column + 1

    def check_keys(self, node: CommentedMap, allowed: tuple[str, ...]) -> None:
        for key in node:
            if key not in allowed:
                line, column = node.lc.key(key)
                raise self.fail(
                    f"unknown key '{key}' (expected one of: {', '.join(allowed)})",
                    (line + 1, column + 1),
                )

    def lists(self, node: Any) -> dict[str, list[str]]:
        if not isinstance(node, CommentedMap):
            raise self.fail("'lists' must map list names to lists of words", self.at(node))
        lists = {}
        for name, words in node.items():
            if not isinstance(words, CommentedSeq) or not all(isinstance(w, str) for w in words):
                raise self.fail(
                    f"list '{name}' must be a list of words or phrases", self.at(node, name)
                )
            lists[str(name)] = [str(w) for w in words]
        return lists

    def rule(
        self, node: Any, parent: CommentedSeq, index: int, lists: dict[str, list[str]]
    ) -> Rule:
        where = self.at(parent, index)
        if not isinstance(node, CommentedMap):
            raise self.fail("each rule is a mapping with id, action and conditions", where)
        self.check_keys(node, RULE_KEYS)
        for key in ("id", "action", "conditions"):
            if key not in node:
                raise self.fail(f"rule is missing '{key}'", where)
        rule_id = node["id"]
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise self.fail(
                "rule id must be lower-case letters, digits, '-' or '_'", self.at(node, "id")
            )
        if node["action"] not in set(Action):
            actions = ", ".join(a.value for a in Action)
            raise self.fail(
                f"rule '{rule_id}': action must be one of {actions}", self.at(node, "action")
            )
        priority = node.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise self.fail(
                f"rule '{rule_id}': priority must be a whole number", self.at(node, "priority")
            )
        conditions = self.conditions(rule_id, node["conditions"], lists)
        when = self.when(rule_id, node, conditions)
        return Rule(
            id=rule_id,
            description=str(node.get("description", "")).strip(),
            action=Action(node["action"]),
            priority=priority,
            conditions=conditions,
            when=when,
            line=where[0] or 0,
        )

    def when(self, rule_id: str, node: CommentedMap, conditions: dict[str, Condition]) -> Any:
        if "when" not in node:
            return all_of(conditions)
        source = node["when"]
        line, column = self.at(node, "when")
        if not isinstance(source, str):
            raise self.fail(
                f"rule '{rule_id}': 'when' must be an expression like 'a and not b'", (line, column)
            )
        try:
            expression = compile_expression(source, conditions)
        except ExpressionError as exc:
            raise self.fail(
                f"rule '{rule_id}': {exc}", (line, (column or 1) + exc.column)
            ) from None
        unused = sorted(set(conditions) - expression.names)
        if unused:
            raise self.fail(
                f"rule '{rule_id}': condition '{unused[0]}' is defined but not used in 'when'",
                (line, column),
            )
        return expression

    def conditions(
        self, rule_id: str, node: Any, lists: dict[str, list[str]]
    ) -> dict[str, Condition]:
        if not isinstance(node, CommentedMap) or not node:
            raise self.fail(
                f"rule '{rule_id}': 'conditions' must name at least one condition", self.at(node)
            )
        compiled = {}
        for name, spec in node.items():
            if not isinstance(name, str) or not name.isidentifier() or name in ("and", "or", "not"):
                raise self.fail(
                    f"rule '{rule_id}': condition name '{name}' must be one word (letters, digits, _)",
                    self.at(node, name),
                )
            compiled[name] = self.condition(rule_id, name, spec, self.at(node, name), lists)
        return compiled

    def condition(
        self, rule_id: str, name: str, spec: Any, where: tuple, lists: dict[str, list[str]]
    ) -> Condition:
        prefix = f"rule '{rule_id}', condition '{name}'"
        if isinstance(spec, str):
            return self.score_threshold(prefix, name, spec, where)
        if not isinstance(spec, CommentedMap):
            raise self.fail(
                f"{prefix}: expected a score comparison or one of {', '.join(CONDITION_KINDS)}",
                where,
            )
        kinds = [k for k in spec if k in CONDITION_KINDS]
        extra = [k for k in spec if k not in CONDITION_KINDS and k != "in"]
        if len(kinds) != 1 or extra:
            raise self.fail(
                f"{prefix}: give exactly one of {', '.join(CONDITION_KINDS)} (and optionally 'in')",
                where,
            )
        kind, value, value_at = kinds[0], spec[kinds[0]], self.at(spec, kinds[0])
        field = spec.get("in", "text")
        if field not in FIELDS:
            raise self.fail(f"{prefix}: 'in' must be 'text' or 'quote'", self.at(spec, "in"))
        if kind == "words":
            list_name, words = self.word_list(prefix, value, value_at, lists)
            return Words.compile(name, list_name, words, field)
        if kind == "regex":
            return self.regex(prefix, name, value, value_at, field)
        if kind == "is_reply":
            if not isinstance(value, bool):
                raise self.fail(f"{prefix}: is_reply must be true or false", value_at)
            return IsReply(name, value)
        if kind == "reply_depth":
            match = _DEPTH.fullmatch(str(value))
            if not match:
                raise self.fail(f"{prefix}: reply_depth must look like '>= 2'", value_at)
            return ReplyDepth(name, match["op"] or "==", int(match["value"]))
        list_name, authors = self.word_list(prefix, value, value_at, lists)
        return AuthorIn(name, list_name, frozenset(a.casefold() for a in authors))

    def score_threshold(self, prefix: str, name: str, spec: str, where: tuple) -> ScoreThreshold:
        match = _SCORE.fullmatch(spec)
        if not match:
            raise self.fail(
                f"{prefix}: expected a score comparison like 'toxicity.insult >= 0.6', got '{spec}'",
                where,
            )
        score = match["score"]
        family, label = score.removeprefix("quote.").split(".", 1)
        valid = {"sentiment": SENTIMENT_LABELS, "toxicity": TOXICITY_LABELS}.get(family)
        if valid is None or label not in valid:
            choices = ", ".join(
                [f"sentiment.{x}" for x in SENTIMENT_LABELS]
                + [f"toxicity.{x}" for x in TOXICITY_LABELS]
            )
            raise self.fail(f"{prefix}: unknown score '{score}' (valid: {choices})", where)
        return ScoreThreshold(name, score, match["op"], float(match["value"]))

    def word_list(
        self, prefix: str, value: Any, where: tuple, lists: dict[str, list[str]]
    ) -> tuple[str, list[str]]:
        if isinstance(value, str):
            if value not in lists:
                known = ", ".join(lists) or "none defined"
                raise self.fail(
                    f"{prefix}: list '{value}' is not defined under 'lists' ({known})", where
                )
            return value, lists[value]
        if isinstance(value, CommentedSeq) and value and all(isinstance(w, str) for w in value):
            return "the rule's list", [str(w) for w in value]
        raise self.fail(f"{prefix}: expected a list name or a list of words", where)

    def regex(self, prefix: str, name: str, value: Any, where: tuple, field: str) -> Regex:
        if not isinstance(value, str) or not value:
            raise self.fail(f"{prefix}: regex must be a non-empty string", where)
        try:
            pattern = compile_regex(value)
        except re2.error as exc:
            message = (
                exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            )
            raise self.fail(f"{prefix}: regex does not compile: {message}", where) from None
        return Regex(name, value, pattern, field)
