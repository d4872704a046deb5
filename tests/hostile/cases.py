"""Hostile inputs, generated at test time, each with the verdict a user must get.

The verdicts: a reported bad record (the rest is stored), one clear error line (the store
is left as it was), or a comment held for a human. `test_hostile_inputs.py` runs each case
through `moderation score`; `benchmarks/hostile.py` times them and takes their memory.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import zstandard

BAD, ERROR, HELD, READ = "reported bad record", "clear error", "held for a human", "read"


@dataclass(frozen=True)
class Case:
    """`make(folder)` writes the input and gives the arguments after `moderation score`."""

    name: str
    verdict: str
    expect: str  # words the output must show (READ: the author, text or count stored)
    make: Callable[[Path], list[str]]
    bad: int = 1  # bad records a BAD case reports
    kept: int = 2  # good records a BAD case stores
    midway: bool = False  # an ERROR found after some batches were stored whole


def record(n: int, **fields) -> dict:
    return {"id": n, "text": f"Comment {n} on the council budget.", "author": f"reader{n % 7}",
            "article": "budget", **fields}  # fmt: skip


def jsonl(name: str, *lines: str) -> Callable[[Path], list[str]]:
    """Good records around the hostile lines, so a case also shows the good ones are kept."""

    def make(folder: Path) -> list[str]:
        path = folder / name
        good = [json.dumps(record(n)) for n in (1, 2)]
        path.write_text("\n".join([good[0], *lines, good[1]]) + "\n", encoding="utf-8",
                        errors="surrogatepass")  # fmt: skip
        return [str(path)]

    return make


def archive(n: int = 2000) -> bytes:
    return "".join(json.dumps(record(i)) + "\n" for i in range(n)).encode()


def cut(suffix: str, compress: Callable[[bytes], bytes]) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        path = folder / f"comments.jsonl{suffix}"
        path.write_bytes(compress(archive())[:-200])
        return [str(path)]

    return make


def nested_html(depth: int) -> str:
    return "<p>Lovely day.</p>" + "<div>" * depth + "you worthless idiot" + "</div>" * depth


def rules(text: str) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        (folder / "rules.yml").write_text(text)
        return [*jsonl("comments.jsonl")(folder), "--rules", str(folder / "rules.yml")]

    return make


def store(url: Callable[[Path], str]) -> Callable[[Path], list[str]]:
    return lambda folder: [*jsonl("comments.jsonl")(folder), "--db", url(folder)]


def not_a_store(folder: Path) -> str:
    (folder / "notes.db").write_bytes(b"meeting notes, not a database\n" * 100)
    return str(folder / "notes.db")


def commento(document: object) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        (folder / "commento.json").write_text(json.dumps(document))
        return [str(folder / "commento.json"), "--format", "commento"]

    return make


def link_out(folder: Path) -> list[str]:
    inside = folder / "exports"
    inside.mkdir()
    (inside / "comments.jsonl").write_text(json.dumps(record(1)) + "\n")
    (folder / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (inside / "linked.jsonl").symlink_to(folder / "passwd")
    return [str(inside)]


def long_field_csv(folder: Path) -> list[str]:
    path = folder / "export.csv"
    path.write_text(f'id,text,author,article\n1,"{"a long, pasted comment " * 8_000}",ann,a\n')
    return [str(path)]


RULE = "rules:\n  - id: x\n    action: {action}\n    conditions:\n      w: {{words: [idiot]}}\n"
LAUGHS = "lists:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcde", "bcdef", strict=True)
)
XML_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {b} "{f"&{a};" * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + ']><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:comment>'
    "<wp:comment_id>1</wp:comment_id><wp:comment_content>&i;</wp:comment_content>"
    "</wp:comment></item></channel></rss>"
)
XML_ENTITY = XML_BOMB.replace('<!ENTITY a "aaaaaaaaaa">', '<!ENTITY a SYSTEM "file:///etc/passwd">')

CASES = [
    Case("markup nested 5,000 deep", HELD, "markup nested too deeply",
         jsonl("deep.jsonl", json.dumps(record(3, text=nested_html(5000))))),
    Case("a 100 KB comment", HELD, "only the first 20,480 were scored",
         jsonl("long.jsonl", json.dumps(record(3, text="the council budget again. " * 4_000)))),
    Case("a 5 MB comment", HELD, "5,200,000 characters long: the first 1,000,000 were kept",
         jsonl("long.jsonl", json.dumps(record(3, text="the council budget again. " * 200_000)))),
    Case("a comment of markup without words", HELD, "markup without words",
         jsonl("img.jsonl", json.dumps(record(3, text="<img src='https://x.example/a.png'>")))),
    Case("an empty comment", BAD, "an empty comment (no text)",
         jsonl("empty.jsonl", json.dumps(record(3, text=" ")))),
    Case("a lone surrogate in the author", BAD, "author is not valid Unicode",
         jsonl("s.jsonl", '{"id": 3, "text": "hello", "author": "b\\ud800", "article": "a"}')),
    Case("a lone surrogate in the id", BAD, "id is not valid Unicode",
         jsonl("s.jsonl", '{"id": "x\\udfff", "text": "hello", "author": "b", "article": "a"}')),
    Case("a lone surrogate in the article title", BAD, "not valid Unicode",
         jsonl("s.jsonl", '{"id": 3, "text": "hi", "author": "b", "article": "t \\udfff"}')),
    Case("a JSON line nested 100,000 deep", BAD, "nested too deeply",
         jsonl("deep.jsonl", "[" * 100_000 + "]" * 100_000)),
    Case("a text that is a number", BAD, "no text in field 'text'",
         jsonl("n.jsonl", json.dumps(record(3, text=123)))),
    Case("bytes that are not UTF-8", BAD, "not valid UTF-8",
         jsonl("latin.jsonl", '{"id": 3, "text": "caf\udce9", "author": "a", "article": "b"}')),
    Case("a Commento file that is a list", ERROR, "not a Commento JSON export", commento([1, 2, 3])),
    Case("a Commento comment of wrong types", BAD, "comment 1: ",
         commento({"commenters": [], "comments": [{"commentHex": "c1", "html": 12345},
                                                  {"commentHex": "c2", "html": "<p>Fine.</p>"}]}),
         kept=1),
    Case("a cut .gz", ERROR, "stream ends early", midway=True, make=cut(".gz", gzip.compress)),
    Case("a cut .bz2", ERROR, "stream ends early", midway=True, make=cut(".bz2", bz2.compress)),
    Case("a cut .xz", ERROR, "stream ends early", midway=True, make=cut(".xz", lzma.compress)),
    Case("a cut .zst", ERROR, "stream ends early", midway=True, make=cut(".zst", zstandard.ZstdCompressor().compress)),
    Case("XML entities that expand a billion times", ERROR, "entit", lambda f: _xml(f, XML_BOMB)),
    Case("an XML external entity", ERROR, "entit", lambda f: _xml(f, XML_ENTITY)),
    Case("a CSV field of 180 KiB", READ, "1", long_field_csv),
    Case("a link out of the folder", READ, "1", link_out),
    Case("an author name with a right-to-left override", READ, "adminnimda",
         jsonl("rtl.jsonl", json.dumps(record(3, author="admin\u202enimda\u200b")))),
    Case("a YAML alias bomb in a rule file", ERROR, "YAML aliases (*name) are not allowed",
         rules(LAUGHS + RULE.format(action="flag"))),
    Case("'not' 100,000 times in a rule", ERROR, "expression nested too deeply",
         rules(RULE.format(action="flag") + "    when: " + "not " * 100_000 + "w\n")),
    Case("a priority of 10^26", ERROR, "priority must be between",
         rules(RULE.format(action="flag") + "    priority: " + "1" + "0" * 26 + "\n")),
    Case("an action that is a list", ERROR, "action must be one of",
         rules(RULE.format(action="[flag, hold]"))),
    Case("YAML nested 100,000 deep", ERROR, "nested more than 64 levels deep",
         rules("lists:\n  a: " + "[" * 100_000 + "]" * 100_000 + "\n" + RULE.format(action="flag"))),
    Case("a control character in a rule file", ERROR, "character U+001F is not allowed in YAML",
         rules(RULE.format(action="flag") + "    description: a\x1f\n")),
    Case("a store file that is not SQLite", ERROR, "file is not a database", store(not_a_store)),
    Case("an unknown store URL", ERROR, "unknown kind of database", store(lambda f: "foo://x")),
    Case("PostgreSQL without its driver", ERROR, "its database driver is not installed",
         store(lambda f: "postgresql+psycopg2://u:secret@127.0.0.1:1/x")),
    Case("PostgreSQL that does not answer", ERROR, "failed: Connection refused",
         store(lambda f: "postgresql://u:secret@127.0.0.1:1/x")),
]  # fmt: skip


def _xml(folder: Path, text: str) -> list[str]:
    (folder / "export.xml").write_text(text)
    return [str(folder / "export.xml")]
