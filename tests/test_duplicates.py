"""A comment id read twice in one run, in one input or in two, is one comment."""

from __future__ import annotations

import json
import sqlite3

from moderation.cli import cli


def line(comment_id: int, text: str) -> str:
    return json.dumps({"id": comment_id, "text": text, "author": "ann", "article": "a"}) + "\n"


def test_a_repeated_id_is_stored_written_and_counted_once(runner, tmp_path, db_path):
    first = tmp_path / "part1.jsonl"
    first.write_text(line(1, "First.") + line(2, "Second.") + line(1, "First, again."))
    second = tmp_path / "part2.jsonl"
    second.write_text(line(2, "Second, again.") + line(3, "Third."))
    out = tmp_path / "scored.jsonl"
    args = ["score", str(first), str(second), "--out", str(out), "--db", str(db_path), "-q"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"warning: skipped {first}:3: comment " in result.stderr
    assert f"warning: skipped {second}:1: comment " in result.stderr
    assert "Read 2 file(s): 3 comment(s) (3 new)" in result.stdout
    assert f"{first}: 2 comment(s), jsonl, 1 repeated id(s) read once" in result.stdout
    assert "Repeated comment ids: 2 (each comment is stored, written and counted once)" in (
        result.stdout
    )
    written = [json.loads(x)["text"] for x in out.read_text().splitlines()]
    assert written == ["First.", "Second.", "Third."]  # the first reading of each
    stored = sqlite3.connect(db_path).execute("select text from comments order by position")
    assert sorted(t for (t,) in stored) == ["First.", "Second.", "Third."]

    again = runner.invoke(cli, [*args[:3], "--db", str(db_path), "-q"])  # a later run
    assert again.exit_code == 0, again.output
    assert "Read 2 file(s): 3 comment(s) (0 new)" in again.stdout
