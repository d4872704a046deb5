"""Single JSON documents: Isso's export, a top-level list of records, and records picked out
of any JSON by --records (a saved Reddit API response, a recorded HTTP session)."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from moderation.cli import cli
from moderation.errors import InputError
from moderation.records import ReplyBasis
from moderation.sources import Bad, SourceOptions, detect, read

EXPORTS = DATA / "exports"
REDDIT = '.. | objects | select(.kind? == "t1") | .data'


def comments(path, **options):
    records = list(read(path, SourceOptions(**options)))
    return (
        [r for r in records if not isinstance(r, Bad)],
        [str(r) for r in records if isinstance(r, Bad)],
    )


def test_isso_export_threads_replies_and_modes():
    found, bad = comments(EXPORTS / "isso_export.json")
    assert detect(EXPORTS / "isso_export.json") == "json" and bad == []
    assert [(f.article.title, f.comment.author, f.comment.status) for f in found] == [
        ("Council approves new ferry timetable", "Mark Jones", "visible"),
        ("Council approves new ferry timetable", "Sarah K", "visible"),
        ("Council approves new ferry timetable", "Anonymous", "pending"),  # awaiting moderation
        ("Council approves new ferry timetable", "Pete Nowak", "deleted"),
        ("Harbour wall repairs start in spring", "Åsa Öberg", "visible"),
    ]
    mark, sarah = found[0].comment, found[1].comment
    assert sarah.parent_id == mark.id and sarah.reply_basis == ReplyBasis.EXPLICIT
    assert sarah.quote == "Finally an early sailing." and sarah.text.endswith("you clowns.")
    assert mark.posted == "2015-12-01T09:12:44+00:00"
    assert found[0].article.source == "/2015/12/ferry-timetable/"
    # comment ids repeat across threads in Isso: each thread keeps its own
    assert found[4].comment.id != mark.id


def test_a_document_without_records_where_expected_gets_a_hint_not_a_warning_per_record():
    with pytest.raises(InputError) as error:
        comments(EXPORTS / "reddit_listing.json")
    message = str(error.value)
    assert message.startswith(
        f"{EXPORTS / 'reddit_listing.json'}: one JSON document (a list) whose comment records "
        "are not its top-level list: name them with --records (a jq program), e.g. "
        f"'{REDDIT}' (Reddit's comments, replies included), "
    )
    assert "'.[].data.children[].data' (4 record(s))" in message


def test_records_picks_reddit_comments_out_of_a_saved_api_response():
    found, bad = comments(EXPORTS / "reddit_listing.json", records=REDDIT)
    assert bad == []
    by_author = {f.comment.text: f.comment for f in found}
    assert [f.comment.author for f in found] == [
        "throwaway_pk", "privacy_first", "throwaway_pk", "zoë_b",
    ]  # fmt: skip
    idiot = by_author["Easy to say when it isn't your job, you absolute idiot."]
    assert idiot.parent_id == found[0].comment.id  # the reply nested in its parent's listing
    assert found[0].comment.parent_id is None and found[0].comment.posted.startswith("2015-12-01")
    assert found[0].where == f"{EXPORTS / 'reddit_listing.json'}:record 1"


def test_records_reads_json_inside_the_response_bodies_of_a_recorded_session(runner, db_path):
    har = EXPORTS / "reddit_session.har"
    with pytest.raises(InputError, match="fromjson"):  # the hint looks inside the bodies
        comments(har)
    program = f".log.entries[].response.content.text | fromjson? | {REDDIT}"
    result = runner.invoke(cli, ["extract", str(har), "--records", program])
    assert result.exit_code == 0, result.output
    authors = [json.loads(x)["author"] for x in result.stdout.splitlines()]
    assert authors == ["throwaway_pk", "privacy_first", "throwaway_pk", "zoë_b", "late_reply"]
    scored = runner.invoke(
        cli, ["score", str(har), "--records", program, "--db", str(db_path), "-q"]
    )
    assert scored.exit_code == 0, scored.output
    assert f"{har}: 5 comment(s), json" in scored.stdout


def test_records_applies_to_each_line_of_json_lines(tmp_path):
    path = tmp_path / "responses.jsonl"
    listing = json.loads((EXPORTS / "reddit_listing.json").read_text())
    path.write_text(json.dumps(listing) + "\n" + json.dumps(listing[1]) + "\n")
    found, bad = comments(path, records=REDDIT)
    assert bad == [] and len(found) == 8
    assert [f.where.rsplit(":", 1)[1] for f in found] == ["1"] * 4 + ["2"] * 4


def test_a_top_level_list_of_records_and_json_lines_named_json(tmp_path):
    listed = tmp_path / "comments.json"
    listed.write_text(json.dumps([{"id": 1, "text": "One.", "author": "a"}, 5]))
    found, bad = comments(listed)
    assert [f.comment.text for f in found] == ["One."]
    assert bad == [f"{listed}: record 2: a int, not an object with fields"]
    lines = tmp_path / "lines.json"
    lines.write_text('{"id": 1, "text": "One."}\n{"id": 2, "text": "Two."}\n')
    assert [f.comment.text for f in comments(lines)[0]] == ["One.", "Two."]
    assert detect(lines) == "jsonl"  # streamed, not loaded whole first
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps({"comments": [{"text": "x"}]}, indent=1))
    assert detect(pretty) == "json"


def test_a_selector_that_is_not_jq_is_a_usage_error_and_one_that_cannot_apply_one_line(runner):
    bad = runner.invoke(cli, ["extract", str(EXPORTS / "isso_export.json"), "--records", ".["])
    assert bad.exit_code == 2 and "'.[' is not a jq program: syntax error" in bad.output
    wrong = runner.invoke(cli, ["extract", str(EXPORTS / "isso_export.json"), "--records", ".a.b"])
    assert wrong.exit_code == 1
    assert wrong.stderr == (
        f"Error: {EXPORTS / 'isso_export.json'}: --records '.a.b' cannot be applied: "
        'Cannot index array with string ("a")\n'
    )


def test_format_isso_on_a_document_that_is_not_isso_is_one_line(runner):
    path = EXPORTS / "reddit_listing.json"
    result = runner.invoke(cli, ["extract", str(path), "--format", "isso"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}: not an Isso JSON export (a list of threads, each with an id and its comments)\n"
    )


def test_a_hint_quotes_keys_that_are_not_names(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({'the "posts"': [{"text": "One.", "id": 1}]}))
    with pytest.raises(InputError) as error:
        comments(path)
    program = '.["the \\"posts\\""][]'
    assert f"'{program}' (1 record(s))" in str(error.value)
    assert [f.comment.text for f in comments(path, records=program)[0]] == ["One."]
