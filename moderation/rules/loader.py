"""Reading a rule file: YAML with line numbers, checked key by key, compiled once.

Reading goes on past a mistake, so `rules check` can report every problem in a file at
once; `load_rules` stops a run at the first.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import re2

from moderation.errors import RuleFileError
from moderation.records import SCORE_VARIANTS, Action, Comment, ReplyBasis
from moderation.rules.conditions import (
    FIELDS,
    MEASURES,
    NAMED_FACTS,
    Compare,
    Condition,
    FirstComment,
    InList,
    IsReply,
    Regex,
    Words,
)
from moderation.rules.context import Context
from moderation.rules.engine import LIVE, SHADOW, Example, Rule, RuleSet
from moderation.rules.evasion import misspelled_forms
from moderation.rules.expression import ExpressionError, all_of, compile_expression
from moderation.rules.grammar import (
    HATRED_WORDS,
    THREAT_CUE_PHRASES,
    THREAT_WORDS,
    attack_forms,
    threat_forms,
)
from moderation.rules.language import Attack, Reclaimed, Threat, negative_words
from moderation.rules.matching import FormIndex, WordMatcher, compile_regex
from moderation.rules.reading import NEUTRAL_WORD, Reading
from moderation.rules.yamlfile import MarkedList, MarkedMap, YamlError, load

SENTIMENT_LABELS = ("neg", "neu", "pos", "compound")
TOXICITY_LABELS = (
    "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
    "sexual_explicit", "profanity",
)  # fmt: skip
BASE_SCORE_NAMES = tuple(
    [f"sentiment.{x}" for x in SENTIMENT_LABELS] + [f"toxicity.{x}" for x in TOXICITY_LABELS]
)
SCORE_NAMES = BASE_SCORE_NAMES + tuple(
    f"{variant}.toxicity.{x}" for variant in SCORE_VARIANTS for x in TOXICITY_LABELS
)
VALID_SCORES = (
    ", ".join(BASE_SCORE_NAMES)
    + "; each toxicity score also as "
    + " and ".join(f"{v}.toxicity.*" for v in SCORE_VARIANTS)
)
TOP_KEYS = ("identity", "lists", "rules")
IDENTITY_KEYS = ("terms", "neutral")
# What each example field must be, for a clear error instead of a failure inside the engine.
_EXAMPLE_TYPES = (
    ("quote", (str,), "a text"),
    ("author", (str,), "a name"),
    ("reply_to", (str,), "a name"),
    ("section", (str,), "a text"),
    ("scores", (dict,), "a mapping of score names to numbers"),
    ("depth", (int,), "a whole number"),
    ("back_and_forth", (int,), "a whole number"),
    ("rejections", (int,), "a whole number"),
    ("first_comment", (bool,), "true or false"),
)
# Lists up to this long also match with two letters swapped or one dropped: each word has
# about fifteen such forms, and the one-pass scan of 25,000 words' forms would not compile.
MAX_MISSPELLED = 2_000
MAX_PRIORITY = 999_999  # the store keeps priorities as integers; above these is the built-in hold
RULE_KEYS = ("id", "description", "action", "priority", "mode", "conditions", "when", "examples")
LIST_KEYS = ("words", "normalise", "allow", "match")
FLAGS = ("is_reply", "first_comment")
LANGUAGE = ("threat", "attack", "reclaimed")  # read the commenter's own words by default
WORD_OPTIONS = ("in", "unless_negated", "highlight")  # beside a condition's kind
CONDITION_KINDS = ("words", "regex", *LANGUAGE, *FLAGS, *NAMED_FACTS, *MEASURES)
EXAMPLE_KEYS = (
    "text",
    "quote",
    "scores",
    "author",
    "reply_to",
    "depth",
    "back_and_forth",
    "section",
    "rejections",
    "first_comment",
)
_SCORE = re.compile(
    rf"\s*(?P<score>(?:(?:{'|'.join(('quote', *SCORE_VARIANTS))})\.)?[a-z_]+\.[a-z_]+)\s*(?P<op>>=|<=|==|>|<)\s*(?P<value>-?\d+(?:\.\d+)?)\s*"
)
_NUMBER = re.compile(r"\s*(?P<op>>=|<=|==|>|<)?\s*(?P<value>-?\d+(?:\.\d+)?)\s*")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class Problem:
    """A mistake (error) or a likely mistake (warning) at a place in a rule file."""

    path: str
    line: int | None
    column: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.path + "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        return f"{where}: {self.severity + ': ' if self.severity != 'error' else ''}{self.message}"


def copy_default_rules(folder: Path) -> Path:
    """Copy the shipped default rule file into `folder` for editing; returns the new file.
    An existing file is never overwritten."""
    from moderation.settings import packaged_rules

    target = folder / "default.yml"
    if target.exists():
        raise RuleFileError(target, "already exists; it is left as it is (remove it to start over)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:
            out.write(packaged_rules().read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(target, f"cannot be written: {exc.strerror}") from None
    return target


def load_rules(path: Path) -> RuleSet:
    """Read, check and compile the rule file at `path`; the first error stops it."""
    return parse_rules(_read(path), path)


def parse_rules(source: str, path: Path) -> RuleSet:
    """Check and compile rule-file text; `path` is used in names and messages."""
    ruleset, problems = read_rules(source, path)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RuleFileError(path, errors[0].message, errors[0].line, errors[0].column)
    return ruleset


def read_rule_file(path: Path) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem in the file at `path`, and the rule set if it has no errors."""
    return read_rules(_read(path), path)


def read_rules(source: str, path: Path) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem in the text, and the compiled rule set if there are no errors."""
    reader = _Reader(path)
    try:
        document = load(source)
    except YamlError as exc:
        return None, [Problem(str(path), *(exc.place or (None, None)), exc.message)]
    rules = reader.document(document)
    if any(p.severity == "error" for p in reader.problems):
        return None, reader.problems
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    ruleset = RuleSet(name=f"{path.name}#{digest}", rules=tuple(rules), reading=reader.reading)
    return ruleset, reader.problems


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(
            path, "no such rule file (pass --rules FILE, or set rules in moderation.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(path, f"cannot be read: {exc}") from None


class _Skip(Exception):
    """The current item has an error (already recorded); go on with the next one."""


@dataclass
class _WordList:
    words: list[str]
    matcher: WordMatcher
    misspelled: frozenset[str] = frozenset()  # scan forms of its words misspelled


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Reader:
    """Reads one file's nodes, recording each problem with its line and column."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.index = FormIndex()  # every list of this file, searched in one pass
        self.reading = Reading()
        self.identity_forms: frozenset[str] = frozenset()  # what attacks need: identity terms
        self.threat_forms: frozenset[str] = frozenset()  # what threats need: violent words
        self.threat_misspelled: frozenset[str] = frozenset()  # of those, the misspelled

    def fail(self, message: str, position: tuple[int | None, int | None]) -> _Skip:
        self.problems.append(Problem(str(self.path), *position, message))
        return _Skip()

    @staticmethod
    def at(node: Any, key: Any = None) -> tuple[int | None, int | None]:
        """1-based (line, column) of a mapping key's value, a list item, or the node itself."""
        if isinstance(node, MarkedList) and key is not None:
            return node.item_places[key]
        if isinstance(node, MarkedMap):
            return node.place if key is None else node.value_places.get(key, node.place)
        return node.place if isinstance(node, MarkedList) else (None, None)

    def check_keys(self, node: MarkedMap, allowed: tuple[str, ...], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.fail(
                    f"unknown {what} '{key}'{did_you_mean(key, allowed)} (expected one of: {', '.join(allowed)})",
                    node.key_places[key],
                )

    def document(self, document: Any) -> list[Rule]:
        if not isinstance(document, MarkedMap):
            self.fail("a rule file is a mapping with 'lists' and 'rules'", (1, 1))
            return []
        self.check_keys(document, TOP_KEYS, "key")
        if "identity" in document:
            self.reading = self.identity(document["identity"], self.at(document, "identity"))
        lists = self.lists(document.get("lists") or MarkedMap(document.place))
        rules_node = document.get("rules")
        if not isinstance(rules_node, MarkedList) or not rules_node:
            self.fail("'rules' must be a list with at least one rule", self.at(document, "rules"))
            return []
        rules, seen = [], {}
        for index, node in enumerate(rules_node):
            try:
                rule = self.rule(node, self.at(rules_node, index), lists)
            except _Skip:
                continue
            if rule.id in seen:
                self.fail(
                    f"duplicate rule id '{rule.id}' (first defined on line {seen[rule.id]})",
                    (rule.line, None),
                )
                continue
            seen[rule.id] = rule.line
            rules.append(rule)
        return rules

    def identity(self, node: Any, where: tuple) -> Reading:
        """The `identity` section: the terms for groups of people, and their neutral word."""
        if isinstance(node, MarkedMap):
            self.check_keys(node, IDENTITY_KEYS, "key in identity")
            terms, neutral = node.get("terms"), node.get("neutral", NEUTRAL_WORD)
        elif isinstance(node, MarkedList):
            terms, neutral = node, NEUTRAL_WORD
        else:
            self.fail("'identity' must have 'terms' (a list) and optionally 'neutral'", where)
            return Reading()
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            self.fail("identity 'terms' must be a list of words", self.at(node, "terms"))
            return Reading()
        if not isinstance(neutral, str) or not neutral.strip():
            self.fail("identity 'neutral' must be a word", self.at(node, "neutral"))
            return Reading()
        reading = Reading(terms, neutral.strip())
        self.identity_forms = attack_forms(reading.identity_terms, misspelled_forms)
        self.index.add(True, self.identity_forms, _joined(reading.identity_terms))
        return reading

    def lists(self, node: Any) -> dict[str, _WordList]:
        if not isinstance(node, MarkedMap):
            self.fail("'lists' must map list names to lists of words", self.at(node))
            return {}
        lists = {}
        for name, spec in node.items():
            try:
                lists[str(name)] = self.word_list(str(name), spec, self.at(node, name))
            except _Skip:
                continue
        return lists

    def word_list(self, name: str, spec: Any, where: tuple) -> _WordList:
        if isinstance(spec, MarkedMap):
            self.check_keys(spec, LIST_KEYS, f"key in list '{name}'")
            words, options = spec.get("words"), spec
        else:
            words, options = spec, {}
        if (
            not isinstance(words, MarkedList)
            or not words
            or not all(isinstance(w, str) for w in words)
        ):
            raise self.fail(
                f"list '{name}' must be a list of words or phrases (or 'words:' with options)",
                where,
            )
        allow = options.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(w, str) for w in allow):
            raise self.fail(
                f"list '{name}': 'allow' must be a list of words", self.at(options, "allow")
            )
        match = options.get("match", "whole_words")
        if match not in ("whole_words", "anywhere"):
            raise self.fail(
                f"list '{name}': 'match' must be whole_words or anywhere", self.at(options, "match")
            )
        normalise = options.get("normalise", True)
        if not isinstance(normalise, bool):
            raise self.fail(
                f"list '{name}': 'normalise' must be true or false", self.at(options, "normalise")
            )
        # Not yet in the file's one-pass scan: only lists that conditions match are (see
        # `scanned`); a list only an attack reads costs nothing per comment.
        matcher = WordMatcher.compile(words, normalise, allow, match == "whole_words")
        misspelled: frozenset[str] = frozenset()
        if normalise and len(words) <= MAX_MISSPELLED:  # swapped and dropped letters
            self.reading.add_words(words)
            # A misspelling may be a form of the list's own ("clueles" for "clueless").
            misspelled = misspelled_forms(words) - matcher.prefilter
            matcher = replace(matcher, prefilter=matcher.prefilter | misspelled)
        return _WordList([str(w) for w in words], matcher, misspelled)

    def scanned(self, word_list: _WordList) -> WordMatcher:
        """The list's matcher, its forms added to the file's one-pass scan (once)."""
        if word_list.matcher.index is None:
            matcher = word_list.matcher
            self.index.add(matcher.normalise, matcher.prefilter, matcher.joined)
            word_list.matcher = replace(word_list.matcher, index=self.index)
        return word_list.matcher

    def rule(self, node: Any, where: tuple, lists: dict[str, _WordList]) -> Rule:
        if not isinstance(node, MarkedMap):
            raise self.fail("each rule is a mapping with id, action and conditions", where)
        self.check_keys(node, RULE_KEYS, "key")
        for key in ("id", "action", "conditions"):
            if key not in node:
                raise self.fail(f"rule is missing '{key}'", where)
        rule_id = node["id"]
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise self.fail(
                "rule id must be lower-case letters, digits, '-' or '_'", self.at(node, "id")
            )
        prefix = f"rule '{rule_id}'"
        action = node["action"]
        if not isinstance(action, str) or action not in {a.value for a in Action}:
            actions = ", ".join(a.value for a in Action)
            hint = did_you_mean(action, list(Action)) if isinstance(action, str) else ""
            raise self.fail(
                f"{prefix}: action must be one of {actions}{hint}", self.at(node, "action")
            )
        priority = node.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise self.fail(f"{prefix}: priority must be a whole number", self.at(node, "priority"))
        if abs(priority) > MAX_PRIORITY:
            raise self.fail(
                f"{prefix}: priority must be between -{MAX_PRIORITY:,} and {MAX_PRIORITY:,}",
                self.at(node, "priority"),
            )
        mode = node.get("mode", LIVE)
        if mode not in (LIVE, SHADOW):
            raise self.fail(f"{prefix}: mode must be live or shadow", self.at(node, "mode"))
        conditions = self.conditions(prefix, node["conditions"], lists)
        when = self.when(prefix, node, conditions)
        examples = self.examples(prefix, node.get("examples"), self.at(node, "examples"))
        return Rule(
            id=rule_id,
            description=str(node.get("description", "")).strip(),
            action=Action(node["action"]),
            priority=priority,
            conditions=conditions,
            when=when,
            line=where[0] or 0,
            mode=mode,
            examples=examples,
            condition_lines={name: self.at(node["conditions"], name) for name in conditions},
        )

    def when(self, prefix: str, node: MarkedMap, conditions: dict[str, Condition]) -> Any:
        if "when" not in node:
            return all_of(conditions)
        source = node["when"]
        line, column = self.at(node, "when")
        if not isinstance(source, str):
            raise self.fail(
                f"{prefix}: 'when' must be an expression like 'a and not b'", (line, column)
            )
        try:
            expression = compile_expression(source, conditions)
        except ExpressionError as exc:
            hint = (
                did_you_mean(str(exc).split("'")[1], list(conditions))
                if "is not a condition" in str(exc)
                else ""
            )
            raise self.fail(f"{prefix}: {exc}{hint}", (line, (column or 1) + exc.column)) from None
        unused = sorted(set(conditions) - expression.names)
        if unused:
            raise self.fail(
                f"{prefix}: condition '{unused[0]}' is defined but not used in 'when'",
                (line, column),
            )
        return expression

    def conditions(
        self, prefix: str, node: Any, lists: dict[str, _WordList]
    ) -> dict[str, Condition]:
        if not isinstance(node, MarkedMap) or not node:
            raise self.fail(
                f"{prefix}: 'conditions' must name at least one condition", self.at(node)
            )
        compiled, failed = {}, False
        for name, spec in node.items():
            where = self.at(node, name)
            try:
                if (
                    not isinstance(name, str)
                    or not name.isidentifier()
                    or name in ("and", "or", "not")
                ):
                    raise self.fail(
                        f"{prefix}: condition name '{name}' must be one word (letters, digits, _)",
                        where,
                    )
                compiled[name] = self.condition(
                    f"{prefix}, condition '{name}'", name, spec, where, lists
                )
            except _Skip:
                failed = True
        if failed:
            raise _Skip()
        return compiled

    def condition(
        self, prefix: str, name: str, spec: Any, where: tuple, lists: dict[str, _WordList]
    ) -> Condition:
        if isinstance(spec, str):
            return self.score(prefix, name, spec, where)
        if not isinstance(spec, MarkedMap):
            raise self.fail(
                f"{prefix}: expected a score comparison or one of {', '.join(CONDITION_KINDS)}",
                where,
            )
        kinds = [k for k in spec if k in CONDITION_KINDS]
        unknown = [k for k in spec if k not in CONDITION_KINDS and k not in WORD_OPTIONS]
        if unknown:
            raise self.fail(
                f"{prefix}: unknown condition '{unknown[0]}'{did_you_mean(unknown[0], CONDITION_KINDS)} (expected one of: {', '.join(CONDITION_KINDS)})",
                spec.key_places[unknown[0]],
            )
        if len(kinds) != 1:
            raise self.fail(
                f"{prefix}: give exactly one of {', '.join(CONDITION_KINDS)} (and optionally 'in')",
                where,
            )
        kind, value, value_at = kinds[0], spec[kinds[0]], self.at(spec, kinds[0])
        field = spec.get("in", "own" if kind in LANGUAGE else "text")
        if field not in FIELDS:
            raise self.fail(f"{prefix}: 'in' must be 'text', 'own' or 'quote'", self.at(spec, "in"))
        for option in ("unless_negated", "highlight"):
            if option in spec and (kind != "words" or not isinstance(spec[option], bool)):
                raise self.fail(
                    f"{prefix}: '{option}' is true or false, and only for words",
                    self.at(spec, option),
                )
        if kind == "words":
            list_name, word_list = self.list_ref(prefix, value, value_at, lists)
            return Words(
                name, list_name, frozenset(word_list.words), self.scanned(word_list), field,
                self.reading, spec.get("unless_negated", False), spec.get("highlight", True),
                word_list.misspelled,
            )  # fmt: skip
        if kind in LANGUAGE:
            return self.language(prefix, name, kind, value, value_at, field, lists)
        if kind == "regex":
            return self.regex(prefix, name, value, value_at, field)
        if kind in FLAGS:
            if not isinstance(value, bool):
                raise self.fail(f"{prefix}: {kind} must be true or false", value_at)
            return IsReply(name, value) if kind == "is_reply" else FirstComment(name, value)
        if kind in NAMED_FACTS:
            list_name, word_list = self.list_ref(prefix, value, value_at, lists)
            return InList(name, kind, list_name, frozenset(w.casefold() for w in word_list.words))
        match = _NUMBER.fullmatch(str(value))
        if not match or isinstance(value, bool):
            raise self.fail(f"{prefix}: {kind} must be a comparison like '>= 2'", value_at)
        return Compare(name, kind, match["op"] or "==", float(match["value"]), field)

    def language(
        self, prefix: str, name: str, kind: str, value: Any, where: tuple, field: str,
        lists: dict[str, _WordList],
    ) -> Condition:  # fmt: skip
        if kind == "threat":
            if value not in (True, "negated"):
                raise self.fail(f"{prefix}: threat must be true, or negated", where)
            if not self.threat_forms:
                # A misspelled group is a sign too ("Wmen should all be sht").
                terms = misspelled_forms(self.reading.identity_terms)
                self.threat_forms = threat_forms(misspelled_forms) | terms
                self.threat_misspelled = misspelled_forms(
                    [*THREAT_WORDS, *self.reading.identity_terms]
                )
                self.index.add(True, self.threat_forms, _joined(THREAT_CUE_PHRASES))
            return Threat(
                name, self.reading, self.index, self.threat_forms, field,
                misspelled=self.threat_misspelled, negated=value == "negated",
            )  # fmt: skip
        if kind == "reclaimed":
            list_name, word_list = self.list_ref(prefix, value, where, lists)
            matcher = self.scanned(word_list)
            return Reclaimed(
                name, self.reading, self.index, matcher.prefilter, field, matcher=matcher,
                list_name=list_name,
            )  # fmt: skip
        if not self.identity_forms:
            raise self.fail(
                f"{prefix}: attack needs the identity terms it looks for: add an 'identity' "
                "section with 'terms'",
                where,
            )
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            raise self.fail(f"{prefix}: attack takes a list name or a list of list names", where)
        words = [w for n in names for w in self.list_ref(prefix, n, where, lists)[1].words]
        return Attack(
            name, self.reading, self.index, self.identity_forms, field,
            misspelled=misspelled_forms([*self.reading.identity_terms, *HATRED_WORDS]),
            negative=negative_words(words), lists=tuple(str(n) for n in names),
        )  # fmt: skip

    def score(self, prefix: str, name: str, spec: str, where: tuple) -> Compare:
        match = _SCORE.fullmatch(spec)
        if not match:
            raise self.fail(
                f"{prefix}: expected a score comparison like 'toxicity.insult >= 0.6', got '{spec}'",
                where,
            )
        score = match["score"]
        if score.removeprefix("quote.") not in SCORE_NAMES:
            hint = did_you_mean(score.removeprefix("quote."), SCORE_NAMES)
            raise self.fail(
                f"{prefix}: unknown score '{score}'{hint} (valid: {VALID_SCORES})", where
            )
        return Compare(name, score, match["op"], float(match["value"]))

    def list_ref(
        self, prefix: str, value: Any, where: tuple, lists: dict[str, _WordList]
    ) -> tuple[str, _WordList]:
        if isinstance(value, str):
            if value not in lists:
                known = ", ".join(lists) or "none defined"
                raise self.fail(
                    f"{prefix}: list '{value}' is not defined under 'lists'{did_you_mean(value, list(lists))} ({known})",
                    where,
                )
            return value, lists[value]
        if isinstance(value, MarkedList) and value and all(isinstance(w, str) for w in value):
            words = [str(w) for w in value]
            return "the rule's list", _WordList(words, WordMatcher.compile(words, index=self.index))
        raise self.fail(f"{prefix}: expected a list name or a list of words", where)

    def regex(self, prefix: str, name: str, value: Any, where: tuple, field: str) -> Regex:
        if not isinstance(value, str) or not value:
            raise self.fail(f"{prefix}: regex must be a non-empty string", where)
        try:
            re.compile(value)
        except re.error as exc:  # Python's parser says where; RE2's does not
            raise self.fail(
                f"{prefix}: regex does not compile: {exc.msg} at character {(exc.pos or 0) + 1} of '{value}'",
                where,
            ) from None
        try:
            pattern = compile_regex(value)
        except re2.error as exc:
            message = (
                exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            )
            raise self.fail(
                f"{prefix}: regex uses a construct RE2 does not run ({message}); look-around and "
                "back-references can take exponential time on hostile text, so they are not allowed",
                where,
            ) from None
        return Regex(name, value, pattern, field)

    def examples(self, prefix: str, node: Any, where: tuple) -> tuple[Example, ...]:
        if node is None:
            return ()
        if not isinstance(node, MarkedMap):
            raise self.fail(
                f"{prefix}: 'examples' must have 'match' and/or 'no_match' lists", where
            )
        self.check_keys(node, ("match", "no_match"), "key in examples")
        examples = []
        for key, expect in (("match", True), ("no_match", False)):
            items = node.get(key)
            if items is None:  # "match and/or no_match": either may be left out
                continue
            if not isinstance(items, MarkedList):
                raise self.fail(f"{prefix}: examples '{key}' must be a list", self.at(node, key))
            examples += [
                self.example(prefix, item, self.at(items, i), expect)
                for i, item in enumerate(items)
            ]
        return tuple(examples)

    def example(self, prefix: str, item: Any, where: tuple, expect: bool) -> Example:
        spec = {"text": item} if isinstance(item, str) else item
        if not isinstance(spec, MarkedMap | dict) or not isinstance(spec.get("text"), str):
            raise self.fail(
                f"{prefix}: an example is a text, or a mapping with 'text' and optional {', '.join(EXAMPLE_KEYS[1:])}",
                where,
            )
        if isinstance(spec, MarkedMap):
            self.check_keys(spec, EXAMPLE_KEYS, "key in example")
        for key, kinds, meaning in _EXAMPLE_TYPES:
            value = spec.get(key)
            if value is not None and (
                isinstance(value, bool) != (bool in kinds) or not isinstance(value, kinds)
            ):
                raise self.fail(f"{prefix}: example '{key}' must be {meaning}", where)
        scores = dict(spec.get("scores") or {})
        for score, value in scores.items():
            if str(score).removeprefix("quote.") not in SCORE_NAMES:
                raise self.fail(
                    f"{prefix}: example score '{score}' is not a score{did_you_mean(score, SCORE_NAMES)}",
                    where,
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise self.fail(f"{prefix}: example score '{score}' must be a number", where)
        depth = int(spec.get("depth", 1 if spec.get("reply_to") else 0))
        comment = Comment(
            id=f"example-{where[0]}", article_id="example", author=str(spec.get("author", "reader")),
            position=1, text=spec["text"], quote=spec.get("quote"),
            parent_id="example-parent" if depth else None, reply_basis=ReplyBasis.EXPLICIT if depth else None, depth=depth,
        )  # fmt: skip
        context = Context(
            parent_author=spec.get("reply_to"),
            back_and_forth=int(spec.get("back_and_forth", 0)),
            author_rejections=spec.get("rejections"),
            first_comment=spec.get("first_comment"),
            article_id="example",
            section=spec.get("section"),
        )
        return Example(
            expect, comment, {str(k): float(v) for k, v in scores.items()}, context, where[0] or 0
        )


def _joined(phrases: Iterable[str]) -> set[str]:
    """The scanned forms of those of the phrases that are more than one word."""
    return {"".join(p.split()) for p in phrases if len(p.split()) > 1}
