"""Markup cannot hide a comment from moderation: what cannot be read as a tree is held."""

from __future__ import annotations

import json
import sqlite3

from conftest import DATA

from moderation.cli import cli
from moderation.records import Action
from moderation.sources import SourceOptions, read
from moderation.sources.html_text import UNREADABLE, read_html


def nested(depth: int, words: str) -> str:
    return "<div>" * depth + words + "</div>" * depth


def test_words_under_300_levels_of_markup_are_read_as_usual():
    body = read_html("<p>Nice article.</p>" + nested(300, "you worthless idiot"))
    assert body.text == "Nice article.\n\nyou worthless idiot" and body.unreadable is None


def test_words_deeper_than_the_tree_goes_are_read_and_marked():
    body = read_html("<p>Nice article.</p>" + nested(5000, "you worthless idiot"))
    assert "you worthless idiot" in body.text
    assert body.unreadable == UNREADABLE


def test_an_unreadable_comment_is_held_for_a_human_whatever_the_rules(runner, tmp_path, db_path):
    path = tmp_path / "export.jsonl"
    records = [
        {"id": 1, "text": "<p>Lovely day.</p>" + nested(5000, "hidden words"), "author": "a", "article": "x"},
        {"id": 2, "text": "<p>A fine comment.</p>", "author": "b", "article": "x"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(cli, ["score", str(path), "-q", "--json"])
    assert result.exit_code == 0, result.output
    [held] = [json.loads(line) for line in result.stdout.splitlines()]
    assert held["action"] == Action.HOLD.value and "hidden words" in held["text"]
    assert held["rules"][0]["rule_id"] == "unreadable-text"
    stored = (
        sqlite3.connect(db_path)
        .execute(
            "select c.unreadable, d.action from comments c join rule_decisions d on d.comment_id = c.id "
            "order by c.position"
        )
        .fetchall()
    )
    assert stored == [(UNREADABLE, "hold"), (None, None)]
    explained = runner.invoke(cli, ["explain", held["id"]])
    assert "decision under" in explained.output and "hold by unreadable-text" in explained.output


def test_a_deeply_nested_comment_in_a_page_drops_none_after_it(tmp_path):
    page = (DATA / "html" / "wordpress_page.html").read_text()
    deep = nested(400, "Finally.")
    page = page.replace("<p>Finally.", f"<p>{deep}", 1)
    path = tmp_path / "page.html"
    path.write_text(page)
    found = list(read(path, SourceOptions()))
    assert [f.comment.author for f in found] == ["Mark Jones", "Sarah K", "<script>x</script>"]
    assert found[0].comment.text.startswith("Finally.")


def test_a_rule_change_preview_counts_an_unreadable_comment_as_held_under_both():
    from conftest import DEFAULT_RULES

    from moderation.records import Comment, Scores, ScoreSet
    from moderation.rules import load_rules
    from moderation.rules.context import Context
    from moderation.rules.preview import diff
    from moderation.store.evaluation import StoredComment

    rules = load_rules(DEFAULT_RULES)
    comment = Comment("c1", "a", "ann", 1, "hidden words", unreadable=UNREADABLE)
    scores = Scores(ScoreSet("vader", {}), ScoreSet("tox", {}))
    report = diff(rules, rules, [StoredComment(comment, scores, Context(), None)])
    assert dict(report.transitions) == {("hold", "hold"): 1}
    assert report.changed == 0


def test_a_link_shows_where_it_goes_and_the_spam_rule_counts_it(runner, tmp_path):
    body = 'Great deals <a href="https://spam.example/buy">here</a> and <a href="https://spam.example/2">there</a>'
    assert read_html(body).text == (
        "Great deals here (https://spam.example/buy) and there (https://spam.example/2)"
    )
    assert read_html('<a href="#c3">@ann</a> agreed').text == "@ann agreed"  # a page anchor
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"id": 1, "text": body, "author": "a", "article": "x"}) + "\n")
    result = runner.invoke(cli, ["score", str(path), "-q", "--json"])
    [flagged] = [json.loads(line) for line in result.stdout.splitlines()]
    assert "spam" in [r["rule_id"] for r in flagged["rules"]]
