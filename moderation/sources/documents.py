"""Single JSON documents: Isso's threads, a list of comment records, or the records picked
out of any JSON (an API response saved to a file, a recorded HTTP session) by `--records`.

`--records` is a jq program (the jq library, so anything jq can say works, `fromjson` for
JSON held in a string included). It also applies to each line of a JSON Lines file. A
document holding neither Isso threads nor a list of records, given without `--records`,
is one error with a hint at the selectors that would find its records, never one "bad
record" per line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moderation.errors import InputError
from moderation.records import Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Bad, Found, SourceOptions, guarded, open_binary
from moderation.sources.html_text import read_html
from moderation.sources.tabular import mapping_for, recognise, to_found

# A document is parsed whole; past this, an export belongs in JSON Lines, which streams.
MAX_DOCUMENT = 1 << 30
_HINTS = 3  # selectors suggested when a document's records are not where expected
# Isso's comment modes: 1 accepted, 2 waiting for moderation, 4 deleted (with replies kept)
_ISSO_STATUS = {1: "visible", 2: "pending", 4: "deleted"}


class NotADocument(Exception):
    """The file is not one JSON document (JSON Lines, say)."""


def load(path: Path) -> Any:
    """The file's JSON value; NotADocument when it holds more than one (JSON Lines)."""
    try:
        with open_binary(path) as stream:
            data = stream.read(MAX_DOCUMENT + 1)
    except (EOFError, OSError) as exc:
        raise InputError(path, f"stream ends early ({exc})") from None
    if len(data) > MAX_DOCUMENT:
        raise InputError(path, "a JSON document over 1 GiB: write it as JSON Lines, which streams")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(path, "not valid UTF-8", line) from None
    except RecursionError:
        raise InputError(path, "not valid JSON here: nested too deeply") from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.lineno > 1:
            raise NotADocument from None
        raise InputError(
            path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno
        ) from None


def read(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """The comments of one JSON document (or, if it is JSON Lines, of each line)."""
    from moderation.sources.tabular import read_jsonl

    try:
        document = load(path)
    except NotADocument:
        yield from read_jsonl(path, options)
        return
    if options.format == "isso" and not is_isso(document):
        raise InputError(
            path, "not an Isso JSON export (a list of threads, each with an id and its comments)"
        )
    if options.records:
        records = select(path, options.records, document)
    elif is_isso(document):
        yield from _isso(path, document)
        return
    elif isinstance(document, list) and _records_here(document, options):
        records = document
    else:
        raise InputError(path, _hint(document))
    yield from from_records(path, records, options)


def _records_here(document: list, options: SourceOptions) -> bool:
    """A top-level list is the records if its first object has the text field (a list of
    API responses, say, is not)."""
    first = next((item for item in document if isinstance(item, dict)), None)
    return first is None or mapping_for(recognise(first, options))["text"] in first


def from_records(path: Path, records: Iterator[Any] | list, options: SourceOptions):
    """Comments from records (JSON values) by the field mapping; numbered from 1."""
    mapping = None
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            kind = type(record).__name__
            yield Bad(str(path), None, f"record {number}: a {kind}, not an object with fields")
            continue
        if mapping is None:
            options = recognise(record, options)
            mapping = mapping_for(options)
        yield guarded(path, None, to_found, path, None, record, mapping, options, number,
                      what=f"record {number}: ")  # fmt: skip


def select(path: Path | str, program: str, value: Any) -> Iterator[Any]:
    """What the jq program `program` gives for `value`; a program that cannot apply is one
    error naming the file."""

    try:
        yield from compile_selector(program).input_value(value)
    except ValueError as exc:
        raise InputError(path, f"--records '{program}' cannot be applied: {exc}") from None


def compile_selector(program: str):
    """The compiled jq program; ValueError with jq's message if it is not valid jq."""
    import jq

    try:
        return jq.compile(program)
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0].removeprefix("jq: error: ")) from None


def is_isso(document: Any) -> bool:
    """Isso's JSON: a list of threads, each with an id and a list of comments."""
    return (
        isinstance(document, list)
        and bool(document)
        and all(isinstance(t, dict) and isinstance(t.get("comments"), list) and "id" in t
                for t in document)
    )  # fmt: skip


def _isso(path: Path, threads: list[dict]) -> Iterator[Found | Bad]:
    for number, thread in enumerate(threads, start=1):
        uri = str(thread.get("id"))
        article = Article(stable_id("a", "isso", uri), uri, str(thread.get("title") or uri))
        for comment in thread.get("comments", []):
            where = f"thread {number} ({uri}), comment {comment.get('id') if isinstance(comment, dict) else '?'}"
            if not isinstance(comment, dict) or comment.get("id") is None:
                yield Bad(str(path), None, f"{where}: not a comment with an id")
                continue
            yield guarded(path, None, _isso_comment, path, article, uri, comment, where,
                          what=f"{where}: ")  # fmt: skip


def _isso_comment(path: Path, article: Article, uri: str, raw: dict, where: str) -> Found | Bad:
    status = _ISSO_STATUS.get(raw.get("mode", 1), "visible")
    body = raw.get("text")
    if not isinstance(body, str):
        if status == "visible":
            return Bad(str(path), None, f"{where}: no text")
        body = ""
    text, quote, unreadable = read_html(body)
    parent = raw.get("parent")
    comment = Comment(
        id=stable_id("c", "isso", uri, raw["id"]), article_id=article.id,
        author=str(raw.get("author") or "Anonymous"), position=int(raw["id"]), text=text,
        quote=quote, parent_id=stable_id("c", "isso", uri, parent) if parent else None,
        reply_basis=ReplyBasis.EXPLICIT if parent else None, posted=_isso_time(raw.get("created")),
        status=status, unreadable=unreadable,
    )  # fmt: skip
    return Found(article, comment, f"{path}:{where}")


def _isso_time(value: Any) -> str | None:
    """Isso writes "2013-10-24 12:05:03" (UTC) in its JSON, a Unix time in its API."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    if isinstance(value, str) and value:
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).isoformat()
        except ValueError:
            return value
    return None


def _hint(document: Any) -> str:
    """What to say of a document whose records are not a top-level list: the selectors
    that would pick out its records, those whose objects have a text field first."""
    kind = type(document).__name__
    candidates = set(_record_paths(document, ".", budget=[_SCAN_NODES]))
    counted = []
    # Counting runs jq over the whole document: only for the likeliest few.
    for program, texty in sorted(candidates, key=lambda c: (not c[1], len(c[0])))[:_COUNTED]:
        try:
            count = sum(1 for _ in compile_selector(program).input_value(document))
        except ValueError:  # records of mixed shapes: each step may be missing
            program = re.sub(r"(\[\]|\.\w+)(?=[.\[ ]|$)", r"\1?", program)
            count = sum(1 for _ in compile_selector(program).input_value(document))
        counted.append((not texty, -count, program))
    shown = [f"'{program}' ({-count} record(s))" for _, count, program in sorted(counted)]
    roots = {"": None} | {p[: p.index("fromjson? |") + 11] + " ": None for p, _ in candidates
                          if "fromjson? |" in p}  # fmt: skip
    reddit = [
        root + REDDIT_COMMENTS for root in roots if _gives_any(root + REDDIT_COMMENTS, document)
    ]
    shown = [f"'{program}' (Reddit's comments, replies included)" for program in reddit] + shown
    shown = shown[:_HINTS]
    if not shown:
        return (
            f"one JSON document (a {kind}) with no list of records in it: name the records "
            "with --records (a jq program, e.g. '.data.children[].data')"
        )
    return (
        f"one JSON document (a {kind}) whose comment records are not its top-level list: "
        f"name them with --records (a jq program), e.g. {', '.join(shown)}"
    )


# Every comment of a Reddit API response (a listing, replies nested in it, "more" answers)
REDDIT_COMMENTS = '.. | objects | select(.kind? == "t1") | .data'
_TEXT_FIELDS = {"body", "comment", "content", "html", "message", "text", "raw_message"}
_SCAN = 50  # items of each list looked at for the shapes of its records
_SCAN_NODES = 20_000  # values looked at in all, for the hint
_COUNTED = 12  # candidate selectors run over the document to count their records


def _record_paths(
    value: Any, path: str, in_list: bool = False, depth: int = 0, *, budget: list[int]
):
    """(jq program, has a text field) for the objects reached through a list: records.
    Text holding JSON (a response body in a recorded HTTP session) is looked into too.
    At most `budget` values are looked at in all: lists of lists cannot make it explode."""
    budget[0] -= 1
    if depth > 12 or budget[0] < 0:
        return
    if isinstance(value, list):
        for item in value[:_SCAN]:
            yield from _record_paths(item, _then(path, "[]"), True, depth + 1, budget=budget)
    elif isinstance(value, dict):
        if in_list and path not in (".", ""):
            yield path, bool(_TEXT_FIELDS & {str(k).lower() for k in value})
        for key, child in value.items():
            name = str(key) if str(key).isidentifier() else f"[{json.dumps(str(key))}]"
            yield from _record_paths(child, _then(path, name), in_list, depth + 1, budget=budget)
    elif isinstance(value, str) and value[:1] in "[{" and len(value) < (16 << 20):
        try:
            inner = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return
        yield from _record_paths(inner, f"{path} | fromjson? | .", False, depth + 1, budget=budget)


def _then(path: str, step: str) -> str:
    """A jq path one step further: a key or [] after `.`, `.a` or `... | .`."""
    if step == "[]" or step.startswith("["):
        return path + step
    return path + step if path.endswith(".") else f"{path}.{step}"


def _gives_any(program: str, value: Any) -> bool:
    try:
        return next(iter(compile_selector(program).input_value(value)), None) is not None
    except ValueError:
        return False
