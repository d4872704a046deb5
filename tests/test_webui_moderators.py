"""Moderators' tools in the review UI: bulk undo, thread inline, folded comments, link domains,
the author drawer (reject all pending, pre-moderation, ban), live updates, accounts."""

import csv
import io
import re

import pytest
from conftest import PASSWORD, csrf_token, login, query

from moderation.records import Article, Comment


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def post(client, url: str, body: dict):
    return client.post(url, json=body, headers={"X-CSRFToken": csrf_token(client)})


def add_comments(app, *comments: Comment) -> None:
    """Score, decide and store comments as the live endpoints do."""
    moderator = app.extensions["moderation"].moderator
    article = Article("art-extra", "https://news.example/extra", "Harbour plans")
    moderator.record(moderator.moderate_many(list(comments), [article]), [article])


def comment(comment_id: str, text: str, author: str = "newcomer", **extra) -> Comment:
    return Comment(
        id=comment_id, article_id="art-extra", author=author, position=1, text=text, **extra
    )


def card(client, comment_id: str) -> str:
    """The queue card of one comment (from the page listing every state)."""
    html = client.get("/", query_string={"q": "", "state": ["awaiting", "held"]}).data.decode()
    found = re.search(rf'<article [^>]*data-id="{comment_id}".*?</article>', html, re.S)
    assert found, f"{comment_id} is not on the queue page"
    return found.group(0)


def test_a_link_shows_where_it_goes_and_is_not_clickable(app, client):
    add_comments(
        app,
        comment("spam1", "Great deals here (https://Spam.example/buy) and there (https://spam.example/2)"),
    )  # fmt: skip
    login(client, "mo")
    html = card(client, "spam1")
    assert re.search(r'Links go to <b class="domain">spam.example</b>', html)
    assert 'href="https://spam.example' not in html.lower()  # never a link into the session


def test_a_long_comment_is_folded_with_a_button_that_says_how_long(app, client):
    long_text = "I will kill you. " + "More words about the harbour plans. " * 90
    add_comments(app, comment("long1", long_text))
    login(client, "mo")
    html = card(client, "long1")
    assert 'class="item state-held long folded"' in html
    shown = re.search(r"Show all (\d+) characters", html)
    assert shown and int(shown.group(1)) >= len(long_text.strip())


def test_the_thread_around_a_reply(app, client):
    add_comments(
        app,
        comment("t-root", "Root comment on the plans", "alice"),
        comment("t-a", "First reply, you idiot", "bob", parent_id="t-root"),
        comment("t-b", "Second reply to the root", "carol", parent_id="t-root"),
        comment("t-c", "Reply to the first reply", "dave", parent_id="t-a"),
    )
    login(client, "mo")
    html = client.get("/comments/t-a/thread").data.decode()
    parents = re.search(r'<ol class="parents">(.*?)</ol>', html, re.S).group(1)
    siblings = re.search(r'<ul class="siblings">(.*?)</ul>', html, re.S).group(1)
    replies = re.search(r'<ul class="replies">(.*?)</ul>', html, re.S).group(1)
    assert "alice" in parents and "Root comment" in parents
    assert "carol" in siblings and "bob" not in siblings
    assert "dave" in replies
    assert client.get("/comments/nothing-here/thread").status_code == 404
    assert 'data-src="/comments/t-a/thread"' in card(client, "t-a")


def test_the_author_drawer_and_reject_all_pending_undone_at_once(app, client):
    add_comments(
        app,
        *(comment(f"troll{n}", f"You are all stupid idiots, part {n}", "Troll") for n in range(3)),
    )
    login(client, "mo")
    drawer = client.get("/author", query_string={"name": "Troll", "drawer": 1}).data.decode()
    assert "<h2>Troll</h2>" in drawer and "Reject all pending (3)" in drawer
    assert "none decided yet" in drawer and "In the clear" in drawer
    assert re.search(r"<dt>first seen</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC</dd>", drawer)
    answer = post(client, "/author/reject-pending", {"name": "Troll", "reason": "abuse"}).json
    assert answer["ok"] and sorted(answer["rejected"]) == ["troll0", "troll1", "troll2"]
    assert answer["message"] == "rejected 3 pending comment(s) by Troll"
    drawer = client.get("/author", query_string={"name": "Troll", "drawer": 1}).data.decode()
    assert "100% of those decided" in drawer and "Reject all pending (0)" in drawer
    undone = post(client, "/undo", {}).json
    assert sorted(r["comment_id"] for r in undone["results"]) == ["troll0", "troll1", "troll2"]
    assert post(client, "/author/reject-pending", {"name": "Nobody"}).json["rejected"] == []


def test_premoderation_and_ban_are_applied_by_the_rules_and_audited(app, client):
    add_comments(app, comment("m1", "A calm and kind remark", "Marta"))
    login(client, "mo")
    assert post(client, "/author/standing", {"name": "Marta", "action": "premoderate"}).json["ok"]
    add_comments(app, comment("m2", "Another calm and kind remark", "Marta"))
    html = card(client, "m2")
    assert "state-held" in html and "author-premoderated" in html

    answer = post(client, "/author/standing", {"name": "Marta", "action": "ban", "note": "doxxing"})
    assert answer.json["message"] == "Marta is banned: new comments are rejected"
    add_comments(app, comment("m3", "A third calm remark", "Marta"))
    states = dict(
        query(app.extensions["moderation"].settings.db_url, "select comment_id, action from rule_decisions where comment_id in ('m1', 'm3')")
    )  # fmt: skip
    assert states == {"m1": None, "m3": "reject"}
    drawer = client.get("/author", query_string={"name": "Marta", "drawer": 1}).data.decode()
    assert "banned" in drawer and "mo banned (doxxing)" in drawer

    assert post(client, "/author/standing", {"name": "Marta", "action": "clear"}).json["ok"]
    add_comments(app, comment("m4", "A fourth calm remark", "Marta"))
    assert "m4" not in client.get("/").data.decode()  # no rule holds it any more

    rows = list(csv.DictReader(io.StringIO(client.get("/audit.csv").data.decode())))
    steps = [(r["action"], r["author"], r["note"]) for r in rows if not r["comment_id"]]
    assert steps == [
        ("clear", "Marta", ""),
        ("ban", "Marta", "doxxing"),
        ("premoderate", "Marta", ""),
    ]
    audit = client.get("/audit", query_string={"action": "ban"}).data.decode()
    assert 'author <a href="/author?name=Marta">Marta</a>' in audit
    refused = post(client, "/author/standing", {"name": "Marta", "action": "exile"})
    assert refused.status_code == 400
    unknown = post(client, "/author/standing", {"name": "Nobody at all", "action": "ban"})
    assert unknown.json["message"] == "no comments by 'Nobody at all' in the store"


def test_live_updates_show_what_another_moderator_decided(app, client):
    other = app.test_client()
    login(client, "mo")
    login(other, "mira")
    page = client.get("/").data.decode()
    latest = int(re.search(r'data-latest="(\d+)"', page).group(1))
    target = re.search(r'data-id="(\w+)"', page).group(1)
    assert (
        post(other, "/decisions", {"action": "approve", "items": [{"id": target}]}).status_code
        == 200
    )
    answer = client.get("/updates", query_string={"after": latest}).json
    [change] = answer["changes"]
    assert (change["comment_id"], change["moderator"], change["new_state"]) == (
        target,
        "mira",
        "approved",
    )
    assert answer["latest"] == change["id"] and answer["counts"]["approved"] == 1
    assert client.get("/updates", query_string={"after": answer["latest"]}).json["changes"] == []
    assert client.get("/updates?after=99999999999999999999999").status_code == 200


def test_admin_changes_role_resets_password_disables_and_sees_last_login(app, client):
    mira = app.test_client()
    login(mira, "mira")
    login(client, "ada")
    page = client.get("/admin/users").data.decode()
    row = re.search(r'<tr data-user="mira">.*?</tr>', page, re.S).group(0)
    assert "never" not in row.split('data-label="last login">')[1][:20]  # she logged in
    user_id = re.search(r"/admin/users/(\d+)", row).group(1)
    token = csrf_token(client)

    def change(**form):
        return client.post(
            f"/admin/users/{user_id}", data={"csrf_token": token, **form}, follow_redirects=True
        )

    assert "mira is now editor." in change(do="role", role="editor").data.decode()
    assert mira.get("/rules").status_code == 200  # an editor's page, at once
    assert (
        "a password is at least 8 characters"
        in change(do="password", password="short").data.decode()
    )
    assert (
        "mira has a new password" in change(do="password", password="new password 42").data.decode()
    )
    assert mira.get("/").status_code == 302  # her session ended
    assert "mira is disabled" in change(do="disable").data.decode()
    assert login(mira, "mira").headers.get("Location") is None  # refused
    assert "mira may log in again." in change(do="enable").data.decode()
    token_page = mira.get("/login").data.decode()
    token_m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    entered = mira.post(
        "/login", data={"name": "mira", "password": "new password 42", "csrf_token": token_m}
    )
    assert entered.status_code == 302 and PASSWORD != "new password 42"


def test_the_last_admin_cannot_be_demoted_or_disabled(client):
    login(client, "ada")
    page = client.get("/admin/users").data.decode()
    ada = re.search(r'<tr data-user="ada">.*?/admin/users/(\d+)', page, re.S).group(1)
    token = csrf_token(client)
    demoted = client.post(
        f"/admin/users/{ada}",
        data={"csrf_token": token, "do": "role", "role": "moderator"},
        follow_redirects=True,
    )
    assert "this is the last admin account: make another admin first" in demoted.data.decode()
    own = client.post(
        f"/admin/users/{ada}", data={"csrf_token": token, "do": "disable"}, follow_redirects=True
    )
    assert "you cannot disable your own account" in own.data.decode()
    assert (
        client.post(f"/admin/users/{ada}", data={"csrf_token": token, "do": "explode"}).status_code
        == 400
    )


@pytest.mark.parametrize("url", ["/", "/audit", "/rules", "/admin/users", "/author?name=mo"])
def test_every_page_has_one_h1_and_a_skip_link(client, url):
    login(client, "ada")
    html = client.get(url).data.decode()
    assert html.count("<h1") == 1
    assert '<a class="skip" href="#main">' in html and '<main id="main"' in html


def test_queue_controls_are_labelled(client):
    login(client, "mo")
    html = client.get("/").data.decode()
    boxes = re.findall(r'<input type="checkbox" class="pick" aria-label="([^"]+)">', html)
    assert boxes and all(b.startswith("select the comment by ") for b in boxes)
    meters = re.findall(r"<meter [^>]*>", html)
    assert meters and all("aria-label=" in m for m in meters)
    assert '<input type="checkbox" id="shortcuts" checked> Single-key shortcuts' in html


def test_rules_page_histograms_have_axes_counts_and_the_rule_thresholds(client):
    login(client, "ed")
    html = client.get("/rules").data.decode()
    figure = re.search(r'<figure data-label="toxicity.profanity">(.*?)</figure>', html, re.S)
    assert figure, "no histogram of toxicity.profanity"
    svg = figure.group(1)
    ticks = re.findall(r'<text class="x"[^>]*>([^<]+)</text>', svg)
    assert ticks == ["0", "0.25", "0.5", "0.75", "1", "score"]
    counts = [int(n) for n in re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg)]
    total = int(re.search(r"<figcaption>toxicity.profanity · (\d+) comments", svg).group(1))
    assert counts and sum(counts) == total > 0
    assert re.search(r'<text class="y"[^>]*>(\d+)</text>', svg).group(1) == str(max(counts))
    mark = re.search(r'<line class="threshold" x1="([\d.]+)"', svg)
    assert mark and float(mark.group(1)) == 34 + 0.7 * (250 - 34)  # profanity >= 0.7
    assert '<text class="threshold"' in svg and "profanity &gt;= 0.7" in svg


def test_author_actions_work_as_plain_forms_without_the_script(app, client):
    add_comments(app, comment("f1", "You are all stupid idiots", "Formy"))
    login(client, "mo")
    token = csrf_token(client)
    held = client.post(
        "/author/standing",
        data={"csrf_token": token, "name": "Formy", "action": "premoderate"},
        follow_redirects=True,
    ).data.decode()
    assert "new comments by Formy are held for review" in held and "<h1>Author</h1>" in held
    rejected = client.post(
        "/author/reject-pending",
        data={"csrf_token": token, "name": "Formy", "reason": "abuse"},
        follow_redirects=True,
    ).data.decode()
    assert "rejected 1 pending comment(s) by Formy" in rejected
    assert client.get("/author").status_code == 400  # which author?
