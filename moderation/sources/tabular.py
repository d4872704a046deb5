"""JSON Lines and CSV exports, mapped field by field; presets for Reddit and Hacker News.

--map text=body,author=author,id=id,parent=parent_id,article=link_id,time=created_utc
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from moderation.errors import InputError
from moderation.records import STATUSES, Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Bad, Found, SourceOptions, decode, guarded, lines, open_binary
from moderation.sources.html_text import read_html

# One field (a comment's text) may be this large; csv's own limit, 128 KiB, is below real
# comments pasted whole. Past it, the file cannot be read on from that line.
MAX_FIELD = 64 << 20

FIELDS = ("id", "text", "author", "parent", "article", "article_title", "time", "status")
PRESETS: dict[str, dict[str, str]] = {
    # Pushshift / Reddit comment dumps
    "reddit": {"id": "id", "text": "body", "author": "author", "parent": "parent_id",
               "article": "link_id", "time": "created_utc"},
    # The Hacker News API's item format (Algolia's adds story_id)
    "hackernews": {"id": "id", "text": "text", "author": "by", "parent": "parent",
                   "article": "story_id", "time": "time", "article_title": "story_title"},
}  # fmt: skip
DEFAULT_MAPPING = {name: name for name in FIELDS}


def recognise(record: dict, options: SourceOptions) -> SourceOptions:
    """Options with the preset a record's fields give away, when none was chosen."""
    if options.preset or options.mapping:
        return options
    if {"body", "link_id", "parent_id"} <= record.keys():
        return replace(options, preset="reddit")
    if {"by", "parent"} <= record.keys() or record.get("type") == "comment":
        return replace(options, preset="hackernews")
    return options


def mapping_for(options: SourceOptions) -> dict[str, str]:
    """Our field -> the export's field: defaults, then the preset, then --map."""
    mapping = dict(DEFAULT_MAPPING)
    if options.preset:
        mapping.update(PRESETS[options.preset])
    mapping.update(options.mapping)
    return mapping


def read_jsonl(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """One JSON object per line; a broken line is reported and skipped.

    Without a preset or mapping, a Reddit or Hacker News dump is recognised by its fields.
    """
    mapping = None
    picked_count = 0  # records picked out of lines by --records
    for number, raw in lines(path):
        if not raw.strip():
            continue
        text = decode(raw, path, number)
        if isinstance(text, Bad):
            yield text
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Bad(str(path), number, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield Bad(str(path), number, "not valid JSON here: nested too deeply")
            continue
        if options.records:
            from moderation.sources.documents import select

            for picked in select(f"{path}:{number}", options.records, record):
                picked_count += 1
                if not isinstance(picked, dict):
                    yield Bad(
                        str(path),
                        number,
                        f"--records gave a {type(picked).__name__}, not an object",
                    )
                    continue
                if mapping is None:
                    options = recognise(picked, options)
                    mapping = mapping_for(options)
                yield guarded(
                    path, number, to_found, path, number, picked, mapping, options, picked_count
                )
            continue
        if not isinstance(record, dict):
            yield Bad(str(path), number, "not a JSON object")
            continue
        if mapping is None:
            options = recognise(record, options)
            mapping = mapping_for(options)
        yield guarded(path, number, to_found, path, number, record, mapping, options)


def read_csv(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """A header row, then one comment per row; a row with the wrong column count is reported."""
    mapping = mapping_for(options)
    with open_binary(path) as binary:
        stream = io.TextIOWrapper(
            binary, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        csv.field_size_limit(MAX_FIELD)
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
            if header is None:
                return
            if mapping["text"] not in header:
                yield Bad(str(path), 1, no_text_field(header, mapping, "column"))
                return
            previous = reader.line_num
            for row in reader:
                line = previous + 1
                previous = reader.line_num
                if len(row) != len(header):
                    yield Bad(str(path), line, f"expected {len(header)} columns, found {len(row)}")
                    continue
                if any("\udc80" <= c <= "\udcff" for value in row for c in value):
                    yield Bad(str(path), line, "not valid UTF-8")
                    continue
                record = dict(zip(header, row, strict=True))
                yield guarded(path, line, to_found, path, line, record, mapping, options)
        except csv.Error as exc:
            raise InputError(
                path, f"CSV cannot be read past line {reader.line_num}: {exc}"
            ) from None
        except (EOFError, OSError) as exc:
            raise InputError(
                path, f"stream ends early after line {reader.line_num} ({exc})"
            ) from None


def to_found(
    path: Path,
    line: int | None,
    record: dict,
    mapping: dict[str, str],
    options: SourceOptions,
    number: int | None = None,
) -> Found | Bad:
    """A comment from one record, by the mapping; a record without text is reported. A
    record picked out of a document by --records has a `number` (and a line, in JSON Lines)."""  # fmt: skip
    value = {ours: record.get(theirs) for ours, theirs in mapping.items()}
    status = _status(value, record, options.preset)
    body = value["text"]
    if body is None and status != "visible":
        body = ""  # deleted and killed comments stay, with their status, even without text
    if not isinstance(body, str):
        prefix = "" if line else f"record {number}: "
        if mapping["text"] not in record:
            return Bad(str(path), line, prefix + no_text_field(list(record), mapping, "field"))
        return Bad(str(path), line, f"{prefix}no text in field '{mapping['text']}'")
    if options.preset == "reddit" and body in ("[deleted]", "[removed]"):
        status = "deleted"
    text, quote, unreadable = read_html(body)
    namespace = options.preset or "export"
    article_key = _strip_kind(value["article"]) or path.name
    place = number or line
    native = _strip_kind(value["id"]) or f"{path.name}:{place}"
    parent = _strip_kind(value["parent"])
    if parent == article_key or (
        options.preset == "reddit" and str(value["parent"]).startswith("t3_")
    ):
        parent = None  # a top-level comment names its story or post as parent
    article = Article(
        id=stable_id("a", namespace, article_key),
        source=str(path),
        title=str(value["article_title"] or article_key),
    )
    comment = Comment(
        id=stable_id("c", namespace, article_key, native), article_id=article.id,
        author=str(value["author"] or "anonymous"), position=place, text=text, quote=quote,
        parent_id=stable_id("c", namespace, article_key, parent) if parent else None,
        reply_basis=ReplyBasis.EXPLICIT if parent else None, posted=_time(value["time"]), status=status,
        unreadable=unreadable,
    )  # fmt: skip
    where = f"{path}:{line}" if line else f"{path}:record {number}"
    return Found(article, comment, where, record)


# Names exports give the comment's text, to suggest a --map.
_TEXT_NAMES = ("body", "comment", "comment_text", "content", "message", "text", "raw_message")


def no_text_field(names: list[str], mapping: dict[str, str], kind: str) -> str:
    """What to say when a record has no field for the text: its fields, and the --map."""
    guess = next((n for n in names if n.lower() in _TEXT_NAMES), kind.upper())
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    return (
        f"no {kind} '{mapping['text']}' for the comment text (its {kind}s: {shown}; "
        f"--map text={guess} reads another)"
    )


def _strip_kind(value) -> str | None:
    """Reddit's "t1_abc" and "t3_xyz" to "abc" and "xyz"; numbers to text."""
    if value in (None, ""):
        return None
    text = str(value)
    return text[3:] if len(text) > 3 and text[:3] in ("t1_", "t3_") else text


def _status(value: dict, record: dict, preset: str | None) -> str:
    status = str(value.get("status") or "").lower()
    if status in STATUSES:
        return status
    if record.get("deleted") is True:
        return "deleted"
    if record.get("dead") is True:  # Hacker News: killed by flags or moderators
        return "spam"
    return "visible"


def _time(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(float(value), UTC).isoformat()
    return str(value)
