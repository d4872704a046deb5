"""The review UI holds its limits on the server: bad bodies are 400s that say why, notes
have a length, spreadsheet formulas in an export stay text, pages are never cached."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import csrf_token, login
from sqlalchemy import func, select
from test_webui import decide, queue_items

from moderation.pipeline import score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store
from moderation.store.schema import reviews


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def post(client, body):
    return client.post(
        "/decisions", data=body, content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )  # fmt: skip


def test_bodies_that_are_not_a_decision_are_400s_that_say_why(client):
    login(client, "mo")
    for body, says in [
        ("[1, 2]", "the body must be a JSON object"),
        ("{broken", "the body must be a JSON object"),
        ('{"action": "reject"}', "'items' must be a non-empty list"),
        ('{"action": "nuke", "items": []}', "action must be one of approve, reject, escalate"),
    ]:
        response = post(client, body)
        assert response.status_code == 400, body
        assert says in (response.json or {}).get("error", response.data.decode())


def test_a_page_number_too_large_for_sql_is_an_empty_page(client):
    login(client, "mo")
    response = client.get("/?page=9223372036854775807")
    assert response.status_code == 200 and "data-id=" not in response.data.decode()


def test_a_note_over_500_characters_is_refused_and_nothing_is_decided(client, scored_store):
    login(client, "mo")
    first = queue_items(client)[0]
    response = decide(client, "reject", first[:2], note="x" * 1_000_000)
    assert response.status_code == 400
    assert response.json["error"] == "a note is text of at most 500 characters"
    store = open_store(scored_store.db_url)
    with store.transaction() as connection:
        assert connection.scalar(select(func.count()).select_from(reviews)) == 0
    store.close()


def test_formulas_in_the_audit_export_stay_text(scored_store, app, tmp_path):
    path = tmp_path / "evil.jsonl"
    author = '=HYPERLINK("https://evil.example","click")'
    path.write_text(json.dumps({"id": 1, "text": "You idiot, you moron.", "author": author}) + "\n")
    score_paths([path], scored_store, lambda: open_toxicity_scorer(scored_store.toxicity))
    client = app.test_client()
    login(client, "mo")
    [target] = [item for item in queue_items(client) if item[2].startswith("=HYPERLINK")]
    decide(client, "reject", target[:2], note="=1+2+cmd|' /C calc'!A0")
    export = client.get("/audit.csv")
    rows = list(csv.DictReader(io.StringIO(export.data.decode())))
    assert (rows[0]["author"], rows[0]["note"]) == ("'" + author, "'=1+2+cmd|' /C calc'!A0")
    assert export.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"
