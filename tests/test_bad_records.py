"""One bad record is one reported bad record: the rest of the file is read and stored."""

from __future__ import annotations

import json
import sqlite3

import pytest

from moderation.cli import cli
from moderation.errors import InputError
from moderation.sources import Bad, SourceOptions, read

GOOD = [
    {"id": 1, "text": "A fair point about the budget.", "author": "ann", "article": "a"},
    {"id": 5, "text": "Thanks for the reporting.", "author": "bo", "article": "a"},
]


@pytest.fixture
def hostile_jsonl(tmp_path):
    path = tmp_path / "export.jsonl"
    lines = [
        json.dumps(GOOD[0]),
        '{"id": 2, "text": "hello", "author": "b\\ud800", "article": "a"}',  # lone surrogate
        "[" * 100_000 + "]" * 100_000,  # nested 100,000 deep
        json.dumps({"id": 4, "text": 123, "author": "d", "article": "a"}),  # text not text
        '{"id": 6, "text": "x", "author": "c", "article": "title \\udfff"}',
        json.dumps(GOOD[1]),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_each_bad_line_is_reported_with_its_line(hostile_jsonl):
    records = list(read(hostile_jsonl, SourceOptions()))
    bad = [str(r) for r in records if isinstance(r, Bad)]
    assert [r.comment.text for r in records if not isinstance(r, Bad)] == [g["text"] for g in GOOD]
    assert bad[0] == f"{hostile_jsonl}:2: author is not valid Unicode (a lone surrogate)"
    assert bad[1] == f"{hostile_jsonl}:3: not valid JSON here: nested too deeply"
    assert bad[2] == f"{hostile_jsonl}:4: no text in field 'text'"
    assert bad[3].startswith(f"{hostile_jsonl}:5: ") and "not valid Unicode" in bad[3]


def test_a_run_stores_the_good_records_and_reports_the_bad(runner, hostile_jsonl, db_path):
    result = runner.invoke(cli, ["score", str(hostile_jsonl), "-q"])
    assert result.exit_code == 3, result.output  # some records skipped
    assert "Bad records skipped: 4" in result.output
    stored = sqlite3.connect(db_path).execute("select text from comments order by text").fetchall()
    assert stored == [("A fair point about the budget.",), ("Thanks for the reporting.",)]
    assert sqlite3.connect(db_path).execute("select count(*) from runs").fetchone() == (1,)


def test_a_commento_file_of_the_wrong_shape_is_one_line(tmp_path):
    path = tmp_path / "commento.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(
        InputError, match="not a Commento JSON export \\(the top level is a list\\)"
    ):
        list(read(path, SourceOptions(format="commento")))


def test_a_commento_comment_of_wrong_types_is_one_bad_record(tmp_path):
    path = tmp_path / "commento.json"
    document = {
        "commenters": [{"commenterHex": "h1", "name": "Nina"}, {"commenterHex": "h2", "name": 7}],
        "comments": [
            {"commentHex": "c1", "html": 12345, "commenterHex": "h1"},
            {"commentHex": "c2", "html": "<p>Fine words.</p>", "commenterHex": "h1"},
        ],
    }
    path.write_text(json.dumps(document))
    records = list(read(path, SourceOptions(format="commento")))
    assert isinstance(records[0], Bad) and str(records[0]).startswith(f"{path}: comment 1: ")
    assert records[1].comment.text == "Fine words." and records[1].comment.author == "Nina"


def test_a_csv_comment_over_128_kib_is_read(tmp_path):
    path = tmp_path / "export.csv"
    long_text = "a long, pasted comment " * 20_000  # 460 KB in one field
    path.write_text(f'id,text,author,article\n1,"{long_text}",ann,a\n2,short one,bo,a\n')
    records = list(read(path, SourceOptions()))
    assert [len(r.comment.text) for r in records] == [len(long_text.strip()), len("short one")]


def test_a_link_out_of_a_folder_is_not_followed(runner, tmp_path, db_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "comments.jsonl").write_text(json.dumps(GOOD[0]) + "\n")
    outside = tmp_path / "secret.jsonl"
    outside.write_text(json.dumps({**GOOD[1], "text": "root:x:0:0:root"}) + "\n")
    (folder / "linked.jsonl").symlink_to(outside)
    (folder / "inside.jsonl").symlink_to(folder / "comments.jsonl")  # a link within: read
    result = runner.invoke(cli, ["score", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "a link out of" in result.output
    texts = {t for (t,) in sqlite3.connect(db_path).execute("select text from comments")}
    assert texts == {GOOD[0]["text"]}
