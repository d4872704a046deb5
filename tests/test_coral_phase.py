"""The Coral external moderation phase: signed requests in, Coral's answers out."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from conftest import DATA, query

from moderation.store import coral as coral_store
from moderation.store import open_store
from webui import create_app

LIVE_RULES = DATA / "rules" / "live.yml"
OLD, NEW = "ssc_old-secret-0123456789", "ssc_new-secret-9876543210"


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


@pytest.fixture
def coral(settings):
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        coral_store.add_secret(connection, "news", OLD, datetime.now(UTC))
    store.close()
    app = create_app({"TESTING": True, "MODERATION_DB": settings.db,
                      "MODERATION_RULES": str(LIVE_RULES), "SECRET_KEY": "test"})  # fmt: skip
    return app.test_client()


def request_body(text: str, action: str = "NEW", role: str = "COMMENTER", author: str = "u1",
                 parent: str | None = None, comment_id: str | None = None) -> bytes:  # fmt: skip
    comment = {"body": text, "parentID": parent} | ({"id": comment_id} if comment_id else {})
    return json.dumps({
        "action": action, "comment": comment, "author": {"id": author, "role": role},
        "story": {"id": "story-1", "url": "https://news.example/story-1"},
        "site": {"id": "site-1"}, "tenantID": "tenant-1", "tenantDomain": "news.example",
    }).encode()  # fmt: skip


def sign(body: bytes, *secrets: str) -> str:
    return ",".join(
        "sha256=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets
    )


def post(client, body: bytes, signature: str | None):
    headers = {"X-Coral-Signature": signature} if signature is not None else {}
    return client.post(
        "/coral/moderation", data=body, headers=headers, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("word", "answer"),
    [
        ("holdme", {"status": "SYSTEM_WITHHELD", "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}),
        ("flagme", {"actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}),
        ("rejectme", {"status": "REJECTED", "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}),
        ("approveme", {"status": "APPROVED"}),
        ("buynow", {"status": "SYSTEM_WITHHELD", "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]}),
    ],
)  # fmt: skip
def test_each_rule_action_becomes_corals_answer(coral, word, answer):
    body = request_body(f"<p>A comment that says {word}.</p>")
    response = post(coral, body, sign(body, OLD))
    assert response.status_code == 200
    assert response.get_json() == answer


def test_no_rule_acting_is_204_with_no_body(coral):
    body = request_body("<p>Thanks for the reporting.</p>")
    response = post(coral, body, sign(body, OLD))
    assert response.status_code == 204
    assert response.data == b""


def test_signatures_rotated_wrong_and_missing(coral, settings):
    body = request_body("flagme during a secret roll")
    # Coral signs with both its old and new secret while it rolls; we know only one of them.
    assert post(coral, body, sign(body, NEW, OLD)).status_code == 200
    for signature in (sign(body, NEW), "sha256=" + "0" * 64, "", None, sign(body + b" ", OLD)):
        refused = post(coral, body, signature)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["status"] == "UNAUTHENTICATED"
    tampered = request_body("holdme, but changed after signing")
    assert post(coral, tampered, sign(body, OLD)).status_code == 401
    stored = query(settings.db_url, "select text from comments")
    assert stored == [("flagme during a secret roll",)]  # nothing from the refused requests


def test_unsigned_garbage_is_refused_before_it_is_read(coral, settings):
    assert post(coral, b"{not json", None).status_code == 401
    bad = b"{not json"
    answer = post(coral, bad, sign(bad, OLD))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["status"] == "INVALID_ARGUMENT"
    surrogate = request_body("fine").replace(b'"u1"', b'"u\\ud800"')
    answer = post(coral, surrogate, sign(surrogate, OLD))
    assert (
        answer.status_code == 400 and "not valid Unicode" in answer.get_json()["error"]["message"]
    )
    no_author = json.dumps(
        {"action": "NEW", "comment": {"body": "x"}, "story": {"id": "s"}}
    ).encode()
    answer = post(coral, no_author, sign(no_author, OLD))
    assert answer.status_code == 400 and "author.id" in answer.get_json()["error"]["message"]


def test_live_comments_land_in_the_store_with_their_coral_ids(coral, settings):
    parent = request_body("<p>First!</p>", comment_id="c-1", author="u-parent")
    post(coral, parent, sign(parent, OLD))
    reply = request_body(
        "<blockquote>First!</blockquote><p>holdme</p>", parent="c-1", author="u-reply"
    )
    assert post(coral, reply, sign(reply, OLD)).status_code == 200
    rows = query(
        settings.db_url,
        "select c.author, c.text, c.quote, c.parent_id, c.depth, a.source, d.action "
        "from comments c join articles a on a.id = c.article_id "
        "left join rule_decisions d on d.comment_id = c.id order by c.first_seen",
    )
    assert rows == [
        ("u-parent", "First!", None, None, 0, "https://news.example/story-1", None),
        ("u-reply", "holdme", "First!", "coral-c-1", 1, "https://news.example/story-1", "hold"),
    ]
    held = query(
        settings.db_url, "select count(*) from state_counts where state = 'held' and count = 1"
    )
    assert held == [(1,)]


def test_an_edit_decides_again_and_keeps_the_earlier_decision(coral, settings):
    first = request_body("<p>holdme</p>")
    assert post(coral, first, sign(first, OLD)).get_json()["status"] == "SYSTEM_WITHHELD"
    edit = request_body("<p>A calmer comment now.</p>", action="EDIT")
    assert post(coral, edit, sign(edit, OLD)).status_code == 204
    assert query(settings.db_url, "select text from comments") == [("A calmer comment now.",)]
    assert query(settings.db_url, "select action from rule_decisions") == [(None,)]
    [(text, action, rule_ids)] = query(
        settings.db_url, "select text, action, rule_ids from comment_revisions"
    )
    rule_ids = json.loads(rule_ids) if isinstance(rule_ids, str) else rule_ids  # JSON on PostgreSQL
    assert (text, action, rule_ids) == ("holdme", "hold", ["hold-word"])
    unknown = request_body("<p>edited</p>", action="EDIT", author="nobody")
    assert post(coral, unknown, sign(unknown, OLD)).status_code == 404


def test_staff_comments_pass_unless_a_setting_says_otherwise(coral, settings, tmp_path):
    body = request_body("<p>holdme, says the editor</p>", role="STAFF", author="editor")
    assert post(coral, body, sign(body, OLD)).status_code == 204
    stored = query(settings.db_url, "select author from comments")
    assert stored == [("editor",)]  # kept for the thread, not decided
    config = tmp_path / "strict.toml"
    config.write_text("[live]\nmoderate_staff = true\n")
    app = create_app({"TESTING": True, "MODERATION_DB": settings.db, "MODERATION_CONFIG": str(config),
                      "MODERATION_RULES": str(LIVE_RULES), "SECRET_KEY": "test"})  # fmt: skip
    body = request_body("<p>holdme again</p>", role="STAFF", author="editor")
    assert post(app.test_client(), body, sign(body, OLD)).get_json()["status"] == "SYSTEM_WITHHELD"


def test_phases_from_the_command_line(runner, settings):
    from moderation.cli import cli

    db = ["--db", settings.db]
    made = runner.invoke(
        cli, ["coral", "add-phase", "news", "--url", "https://mod.example.org/", *db]
    )
    assert made.exit_code == 0, made.output
    assert "Endpoint URL:   https://mod.example.org/coral/moderation" in made.output
    secret = made.output.split("Signing secret: ")[1].split()[0]
    rolled = runner.invoke(cli, ["coral", "rotate", "news", "--secret", NEW, *db])
    assert "Both secrets are accepted" in rolled.output
    assert "news" in runner.invoke(cli, ["coral", "list", *db]).output
    app = create_app({"TESTING": True, "MODERATION_DB": settings.db,
                      "MODERATION_RULES": str(LIVE_RULES), "SECRET_KEY": "test"})  # fmt: skip
    client = app.test_client()
    body = request_body("flagme")
    assert post(client, body, sign(body, secret)).status_code == 200
    assert post(client, body, sign(body, NEW)).status_code == 200
    assert "Retired 1" in runner.invoke(cli, ["coral", "rotate", "news", "--finish", *db]).output
    assert post(client, body, sign(body, secret)).status_code == 401
    assert post(client, body, sign(body, NEW)).status_code == 200
    assert runner.invoke(cli, ["coral", "rotate", "nope", *db]).exit_code == 1


def test_moderators_see_a_live_comment_and_its_earlier_version(coral, settings):
    import re

    from conftest import PASSWORD

    first = request_body("<p>holdme &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    post(coral, first, sign(first, OLD))
    edit = request_body("<p>Sorry, flagme instead.</p>", action="EDIT")
    post(coral, edit, sign(edit, OLD))
    store = open_store(settings.db_url)
    from moderation.store import users

    with store.transaction() as connection:
        users.add(connection, "mo", "moderator", PASSWORD, datetime.now(UTC))
        comment_id = connection.exec_driver_sql("select id from comments").scalar()
    store.close()
    page = coral.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    coral.post("/login", data={"name": "mo", "password": PASSWORD, "csrf_token": token})
    queue = coral.get("/").data.decode()
    assert (
        "Sorry, " in queue and " instead." in queue
    )  # the live comment is in the queue (its matched word highlighted)
    shown = coral.get(f"/comments/{comment_id}").data.decode()
    assert "Earlier versions" in shown
    assert "holdme &lt;script&gt;alert(1)&lt;/script&gt;" in shown  # escaped, never markup
    assert "hold (hold-word)" in shown
