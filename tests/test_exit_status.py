"""A run's exit status tells a script what happened: 0 all read, 3 records skipped, 4 an
input gave nothing (1 for an error that stops the run, 2 for a usage error)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, SEEDS

from moderation.cli import cli

GOOD = json.dumps({"id": 1, "text": "A fair point.", "author": "ann", "article": "a"})


@pytest.fixture(params=["score", "extract"])
def run(request, runner, db_path):
    def invoke(*args: str):
        extra = ["--db", str(db_path), "-q"] if request.param == "score" else []
        return runner.invoke(cli, [request.param, *args, *extra])

    return invoke


def test_all_read_is_0_and_a_folder_may_hold_pages_without_comments(run, tmp_path):
    result = run(str(SEEDS))  # four of its five pages have no comment section
    assert result.exit_code == 0, result.output
    html, folder = DATA / "html", tmp_path / "pages"
    folder.mkdir()
    shutil.copy(html / "no_comment_section.html", folder)  # HTML pages too
    shutil.copy(html / "blogger.html", folder)
    assert run(str(folder)).exit_code == 0


def test_a_skipped_record_is_3(run, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(GOOD + "\n{broken\n")
    result = run(str(path))
    assert result.exit_code == 3
    assert f"warning: skipped {path}:2: not valid JSON" in result.stderr


def test_an_input_that_gives_nothing_is_4_and_named(run, tmp_path):
    only_bad = tmp_path / "export.jsonl"
    only_bad.write_text("{broken\n")
    page = SEEDS / "000_72455f4dee662bd6.txt"  # an article without a comment section
    for args in (
        [str(only_bad)],
        [str(page)],
        [str(page), str(SEEDS / "004_ab45d655f29e8aa9.txt")],
    ):
        result = run(*args)
        assert result.exit_code == 4, args
        assert result.stderr.splitlines()[-1] == f"warning: no comments read from {args[0]}"


def test_a_csv_without_a_text_column_names_its_columns_and_the_map(run, tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text("comment_id,user,Body\n1,ann,A fair point.\n")
    result = run(str(path))
    assert result.exit_code == 4
    assert (
        f"warning: skipped {path}:1: no column 'text' for the comment text "
        "(its columns: comment_id, user, Body; --map text=Body reads another)"
    ) in result.stderr
    assert run(str(path), "--map", "text=Body").exit_code == 0
