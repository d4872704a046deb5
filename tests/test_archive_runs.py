"""`moderation score` over archives: outputs, resume with every comment exactly once, strictness."""

import csv
import json
import shutil
import sqlite3

import pytest
from conftest import DATA

from moderation.cli import cli
from moderation.pipeline import RunOptions, score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.sources import SourceOptions

EXPORTS = DATA / "exports"


@pytest.fixture
def archive(tmp_path):
    """The safe exports (no hostile XML, no CSV: it needs a mapping) in a folder."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in (
        "reddit_comments.jsonl",
        "disqus_export.xml",
        "wordpress_export.xml",
        "commento_export.json",
    ):
        shutil.copy(EXPORTS / name, folder / name)
    return folder


def rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_score_an_archive_into_jsonl(runner, archive, db_path, tmp_path):
    out = tmp_path / "scored.jsonl"
    result = runner.invoke(
        cli, ["score", str(archive), "--db", str(db_path), "--out", str(out), "-q"]
    )
    assert result.exit_code == 3, result.output  # 3 bad records skipped
    written = rows(out)
    assert len(written) == len({r["id"] for r in written}) == 7 + 4 + 4 + 3
    assert {r["status"] for r in written} == {"visible", "deleted", "spam", "trash"}
    insult = next(r for r in written if r["author"] == "throwaway_pk" and "idiot" in r["text"])
    assert (
        insult["action"] == "flag"
        and "personal-attack" in insult["rule_ids"]
        and insult["parent_id"]
    )
    assert (
        insult["toxicity_model"].startswith("alt-profanity-check@")
        and "toxicity.profanity" in insult["scores"]
    )
    assert "reddit_comments.jsonl: 7 comment(s), jsonl, 3 bad record(s) skipped" in result.stdout
    assert "Statuses: " in result.stdout and "Bad records skipped: 3" in result.stdout
    assert "warning: skipped " in result.stderr and ":7: not valid JSON" in result.stderr


def test_csv_output_and_mapping(runner, db_path, tmp_path):
    out = tmp_path / "scored.csv"
    mapping = (
        "id=comment_id,author=user,text=body,parent=reply_to,article=article_url,time=posted_at"
    )
    result = runner.invoke(
        cli,
        [
            "score",
            str(EXPORTS / "comments.csv"),
            "--map",
            mapping,
            "--db",
            str(db_path),
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 3, result.output  # 3 bad rows skipped
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["author"] for r in table] == [
        "Ruth A",
        "Mark Jones",
        "Sarah K",
        "Pete Nowak",
        "Åsa Öberg",
    ]
    pete = table[3]
    assert pete["action"] == "flag" and "insult" in pete["rule_ids"].split(";")
    assert (
        "insult_words: words from insults in the commenter's own words: 'morons' at 28-34"
        in pete["reasons"]
    )
    assert float(pete["toxicity.profanity"]) > 0.5


def test_a_bad_map_is_a_usage_error(runner, db_path):
    result = runner.invoke(
        cli, ["score", str(EXPORTS / "comments.csv"), "--map", "txt=body", "--db", str(db_path)]
    )
    assert result.exit_code == 2 and "'txt=body': expected FIELD=COLUMN" in result.output


def test_strict_stops_at_the_first_bad_record(runner, db_path):
    result = runner.invoke(
        cli,
        [
            "score",
            str(EXPORTS / "reddit_comments.jsonl"),
            "--preset",
            "reddit",
            "--strict",
            "--db",
            str(db_path),
            "-q",
        ],
    )
    assert result.exit_code == 1
    assert (
        result.output.splitlines()[-1]
        == f"Error: {EXPORTS / 'reddit_comments.jsonl'}:7: not valid JSON: Invalid control character at (column 69)"
    )


def test_hostile_xml_is_one_error_line(runner, db_path):
    result = runner.invoke(
        cli, ["score", str(EXPORTS / "billion_laughs.xml"), "--db", str(db_path), "-q"]
    )
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {EXPORTS / 'billion_laughs.xml'}: refused: the XML declares entities or external references (EntitiesForbidden)\n"
    )


class Interrupt:
    """A toxicity scorer that is stopped (like Ctrl-C) on its Nth call."""

    def __init__(self, inner, stop_at: int) -> None:
        self.inner, self.stop_at, self.calls = inner, stop_at, 0
        self.model_id = inner.model_id

    def score(self, texts):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return self.inner.score(texts)


def interrupt_at_fourth_batch(settings, archive, options) -> None:
    """A run stopped as Ctrl-C would stop it, while its fourth batch is being scored."""
    with pytest.raises(KeyboardInterrupt):
        score_paths(
            [archive],
            settings,
            lambda: Interrupt(open_toxicity_scorer(settings.toxicity), 4),
            None,
            options,
        )


def test_interrupted_run_resumes_with_every_comment_exactly_once(settings, archive, tmp_path):
    out = tmp_path / "scored.jsonl"
    options = RunOptions(sources=SourceOptions(preset=None), out=out, batch=2)
    interrupt_at_fourth_batch(settings, archive, options)
    partial = rows(out)
    assert 0 < len(partial) < 18
    with out.open("a") as stream:  # a kill mid-write leaves half a row past the checkpoint
        stream.write('{"id": "half a row')
    report = score_paths(
        [archive], settings, lambda: open_toxicity_scorer(settings.toxicity), None, options
    )
    complete = rows(out)
    assert report.resumed > 0
    assert len(complete) == len({r["id"] for r in complete}) == 18
    assert complete[: len(partial)] == partial


def test_a_finished_run_again_rewrites_the_output_and_scores_nothing(settings, archive, tmp_path):
    out = tmp_path / "scored.jsonl"
    options = RunOptions(out=out)
    first = score_paths(
        [archive], settings, lambda: open_toxicity_scorer(settings.toxicity), None, options
    )
    again = score_paths(
        [archive], settings, lambda: open_toxicity_scorer(settings.toxicity), None, options
    )
    assert (
        first.scored_texts > 0 and again.scored_texts == 0
    )  # every text came from the score cache
    assert len(rows(out)) == 18


def test_a_cached_run_never_loads_the_model(tiny_settings, archive):
    score_paths([archive], tiny_settings, lambda: open_toxicity_scorer(tiny_settings.toxicity))

    def must_not_load():
        raise AssertionError("the model was loaded although every text was in the cache")

    again = score_paths([archive], tiny_settings, must_not_load)
    assert again.scored_texts == 0 and again.toxicity_model.startswith("detoxify-local:tiny.ckpt#")
    assert again.comments == 18


def test_parquet_output_resumes_by_part_files(settings, archive, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "scored.parquet"
    options = RunOptions(out=out, batch=2)
    interrupt_at_fourth_batch(settings, archive, options)
    (out / "part-999999.parquet").write_bytes(b"a part written after the last checkpoint")
    score_paths([archive], settings, lambda: open_toxicity_scorer(settings.toxicity), None, options)
    table = pq.read_table(out).to_pylist()
    assert len(table) == len({r["id"] for r in table}) == 18
    assert {r["status"] for r in table} == {"visible", "deleted", "spam", "trash"}
    assert any(r["action"] == "flag" and "personal-attack" in r["rule_ids"] for r in table)


def test_the_run_estimates_its_total_for_the_eta(settings, archive):
    from moderation.sources import estimate

    assert estimate(archive / "reddit_comments.jsonl", "jsonl") == 10  # lines, bad ones too
    assert estimate(archive / "disqus_export.xml", "disqus") == 4
    assert estimate(archive / "wordpress_export.xml", "wxr") == 5  # the pingback too
    assert estimate(EXPORTS / "comments.csv", "csv") == 9  # a multi-line field counts twice
    assert estimate(archive / "commento_export.json", "commento") is None


def test_a_folder_of_small_files_is_written_in_batches_not_a_file_at_a_time(
    runner, tmp_path, db_path
):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(30):
        record = {"id": number, "text": f"Comment {number}.", "author": "a", "article": "x"}
        (folder / f"{number:03d}.jsonl").write_text(json.dumps(record) + "\n")
    out = tmp_path / "scored.jsonl"
    result = runner.invoke(
        cli, ["score", str(folder), "--out", str(out), "--db", str(db_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "Read 30 file(s): 30 comment(s) (30 new)" in result.stdout
    assert len(rows(out)) == 30
    # one batch: one transaction, so one time for all
    seen = sqlite3.connect(db_path).execute("select count(distinct first_seen) from comments")
    assert seen.fetchone() == (1,)
