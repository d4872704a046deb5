"""Author names with hidden characters: cleaned for display and matching, the raw name kept."""

from __future__ import annotations

import json
import sqlite3

from conftest import login

from moderation.pipeline import score_paths
from moderation.records import Comment, clean_name, reveal
from moderation.scoring.toxicity import open_toxicity_scorer

RTL = "admin\u202enimda"  # shows as "adminadmin"


def test_hidden_characters_are_taken_out_and_the_raw_name_kept():
    comment = Comment("c", "a", RTL + "\u200b", 1, "text")
    assert (comment.author, comment.author_raw) == ("adminnimda", RTL + "\u200b")
    assert Comment("c", "a", "Ann Lee", 1, "text").author_raw is None
    # full-width letters and doubled spaces
    assert clean_name("\uff41\uff44\uff4d\uff49\uff4e  Ed ") == "admin Ed"
    assert clean_name("\u200b\u200d") == "<U+200B><U+200D>"  # nothing visible: shown, not empty
    assert reveal(RTL) == "admin<U+202E>nimda"


def test_the_queue_shows_the_clean_name_and_reveals_the_raw_one(scored_store, app, tmp_path):
    path = tmp_path / "rtl.jsonl"
    text = "You are an idiot and a moron."
    path.write_text(json.dumps({"id": 1, "text": text, "author": RTL, "article": "x"}) + "\n")
    score_paths([path], scored_store, lambda: open_toxicity_scorer(scored_store.toxicity))
    with sqlite3.connect(scored_store.db) as connection:
        stored = connection.execute(
            "select author, author_raw from comments where text = ?", (text,)
        ).fetchall()
    assert stored == [("adminnimda", RTL)]
    client = app.test_client()
    login(client, "mo")
    html = client.get("/?author=adminnimda").data.decode()
    assert "adminnimda" in html and "(given as admin&lt;U+202E&gt;nimda)" in html
    assert "\u202e" not in html
