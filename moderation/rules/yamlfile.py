"""YAML read with the place of every value, fast, refusing what rule files never need.

The tree is built here from the parser's events (libyaml's, through PyYAML) with an
explicit stack, for three reasons no ready-made loader covers at once: PyYAML's C composer
recurses and kills the process on input nested about 100,000 deep; ruamel's round-trip
loader, which gave places before, is pure Python and took about 10 s over a 100,000-word
list; and aliases must be refused before anything unfolds them (a "billion laughs" of 422
bytes is gigabytes). Scalars follow YAML 1.2's core schema, as ruamel did, so words such
as `no`, `off` and `yes` stay words.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

try:  # libyaml is in PyYAML's wheels; the pure parser gives the same events, slower
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _Parser

MAX_DEPTH = 64  # rule files nest about six levels
_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {None, "!", _STR, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INFINITY = re.compile(r"([-+]?)\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_NOT_TEXT_STARTS = frozenset("~nNtTfF0123456789+-.")  # how every non-text scalar starts

Place = tuple[int, int]  # 1-based line and column


class YamlError(Exception):
    """The text is not YAML a rule file may be, at a place."""

    def __init__(self, message: str, place: Place | None) -> None:
        super().__init__(message)
        self.message = message
        self.place = place


class MarkedMap(dict):
    """A mapping that knows where it, each key and each value start."""

    def __init__(self, place: Place) -> None:
        super().__init__()
        self.place = place
        self.key_places: dict[Any, Place] = {}
        self.value_places: dict[Any, Place] = {}


class MarkedList(list):
    """A list that knows where it and each item start."""

    def __init__(self, place: Place) -> None:
        super().__init__()
        self.place = place
        self.item_places: list[Place] = []


def load(source: str) -> Any:
    """The single document in `source`, its mappings and lists marked with places."""
    parser = _Parser(source)
    try:
        return _build(parser)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = (mark.line + 1, mark.column + 1) if mark else None
        if "maximum nesting depth" in str(exc.problem):
            # PyYAML 6.0.4 and later stop at their own depth, which their scanner, reading
            # ahead, can reach before this module's events do. The text is read again only
            # up to the bracket past this module's depth, so that this module says where.
            deep = f"nested more than {MAX_DEPTH} levels deep"
            deeper = _flow_nesting(source, MAX_DEPTH)
            try:
                if deeper is not None:
                    load(source[:deeper])
            except YamlError as again:
                place = again.place if again.message == deep else place
            raise YamlError(deep, place) from None
        raise YamlError(f"YAML syntax: {_syntax(exc)}", place) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as \x1f
        before = source[: exc.position]
        place = (before.count("\n") + 1, len(before) - before.rfind("\n"))
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError(
            f"YAML syntax: character U+{code:04X} is not allowed in YAML", place
        ) from None
    finally:
        parser.dispose()


def _flow_nesting(source: str, depth: int) -> int | None:
    """The offset just past the bracket or brace that first opens more than `depth` flow
    levels deep (quoted text and comments skipped), or None if none does."""
    level, quote, previous = 0, "", "\n"
    for offset, char in enumerate(source):
        if quote:
            if char == quote or (char == "\n" and quote == "#"):  # '' and \" reopen: fine
                quote = ""
        elif char in "'\"" or (char == "#" and previous in " \t\n"):
            quote = char
        elif char in "[{":
            level += 1
            if level > depth:
                return offset + 1
        elif char in "]}":
            level -= 1
        previous = char
    return None


def _syntax(exc: yaml.MarkedYAMLError) -> str:
    """libyaml's words for a syntax error, with what it was reading and since which line."""
    if not exc.context:
        return str(exc.problem)
    problem = exc.problem_mark
    started = exc.context_mark
    since = (
        f" that starts on line {started.line + 1}"
        if started and problem and started.line != problem.line
        else ""
    )
    return f"{exc.problem}, {exc.context}{since}"


def _build(parser: Any) -> Any:
    root: Any = None
    documents = 0
    stack: list[MarkedMap | MarkedList] = []
    keys: list[Any] = []  # per open mapping: the key waiting for its value, or _NO_KEY
    while (event := parser.get_event()) is not None:
        kind = type(event)
        place = (event.start_mark.line + 1, event.start_mark.column + 1)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlError("a rule file is one YAML document (found a second '---')", place)
            continue
        if kind is yaml.AliasEvent:
            raise YamlError(
                "YAML aliases (*name) are not allowed in rule files: write the value out", place
            )
        if kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
            stack.pop()
            keys.pop()
            continue
        if kind is yaml.ScalarEvent:
            value: Any = _scalar(event, place)
        elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
            _check_tag(event, place)
            if len(stack) >= MAX_DEPTH:
                raise YamlError(f"nested more than {MAX_DEPTH} levels deep", place)
            value = MarkedList(place) if kind is yaml.SequenceStartEvent else MarkedMap(place)
        else:  # stream and document ends and starts
            continue
        if not stack:
            root = value
        else:
            _attach(stack[-1], keys, value, place)
        if isinstance(value, MarkedMap | MarkedList):
            stack.append(value)
            keys.append(_NO_KEY)
    return root


class _NoKey:
    """Marks an open mapping that waits for a key, not a value."""


_NO_KEY = _NoKey()


def _attach(parent: MarkedMap | MarkedList, keys: list[Any], value: Any, place: Place) -> None:
    if isinstance(parent, MarkedList):
        parent.append(value)
        parent.item_places.append(place)
        return
    key = keys[-1]
    if key is not _NO_KEY:
        parent[key] = value
        parent.value_places[key] = place
        keys[-1] = _NO_KEY
        return
    if isinstance(value, MarkedMap | MarkedList):
        raise YamlError("a key must be a plain value, not a list or mapping", place)
    if value in parent.key_places:
        first = parent.key_places[value][0]
        raise YamlError(f"YAML syntax: duplicate key '{value}' (first on line {first})", place)
    parent.key_places[value] = place
    keys[-1] = value


def _check_tag(event: Any, place: Place) -> None:
    if event.tag not in _PLAIN_TAGS:
        raise YamlError(f"YAML tags ({event.tag}) are not allowed in rule files", place)


def _scalar(event: Any, place: Place) -> Any:
    _check_tag(event, place)
    value = event.value
    if event.tag == _STR or not event.implicit[0]:  # quoted, or marked as text
        return value
    if value and value[0] not in _NOT_TEXT_STARTS:  # most scalars: words, ids, expressions
        return value
    if _NULL.fullmatch(value):
        return None
    if _TRUE.fullmatch(value):
        return True
    if _FALSE.fullmatch(value):
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _OCTAL.fullmatch(value):
        return int(value[2:], 8)
    if _HEX.fullmatch(value):
        return int(value[2:], 16)
    if _FLOAT.fullmatch(value):
        return float(value)
    if infinity := _INFINITY.fullmatch(value):
        return -math.inf if infinity[1] == "-" else math.inf
    if _NAN.fullmatch(value):
        return math.nan
    return value
