"""The review UI through Flask's test client: roles, CSRF, hostile text, conflicts, audit."""

import csv
import io
import re
import time

import pytest
from conftest import DATA, DEFAULT_RULES, PASSWORD, SEEDS, csrf_token, login

from moderation.pipeline import score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store
from moderation.store import queue as queue_store


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def queue_items(client, query: str = "") -> list[tuple[str, str, str]]:
    """(comment id, review id seen, author) of each item on the queue page."""
    html = client.get("/" + query).data.decode()
    ids = re.findall(r'data-id="(\w+)" data-seen="(\w*)"', html)
    authors = re.findall(r'<a class="author" href="[^"]*"[^>]*>([^<]*)</a>', html)
    return [(i, seen, a) for (i, seen), a in zip(ids, authors, strict=True)]


def decide(client, action: str, *items: tuple[str, str], note: str = ""):
    payload = {
        "action": action,
        "note": note,
        "items": [{"id": i, "seen": s or None} for i, s in items],
    }
    return client.post("/decisions", json=payload, headers={"X-CSRFToken": csrf_token(client)})


@pytest.mark.parametrize(
    "url", ["/", "/audit", "/audit.csv", "/rules", "/admin/users", "/comments/c2c1bd5bf4aba50e8"]
)
def test_every_page_but_login_needs_a_session(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_wrong_password_is_refused(client):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"name": "mo", "password": "guess", "csrf_token": token})
    assert "Wrong name or password." in response.data.decode()


@pytest.mark.parametrize(
    ("user", "allowed", "forbidden"),
    [
        ("mo", ["/", "/audit", "/audit.csv"], ["/rules", "/admin/users"]),
        ("ed", ["/", "/rules"], ["/admin/users"]),
        ("ada", ["/", "/rules", "/admin/users"], []),
    ],
)
def test_roles(client, user, allowed, forbidden):
    login(client, user)
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in forbidden:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "role cannot open this page." in response.data.decode()


def test_state_changes_without_a_csrf_token_are_refused(client):
    login(client, "mo")
    item = queue_items(client)[0]
    response = client.post(
        "/decisions", json={"action": "reject", "items": [{"id": item[0], "seen": None}]}
    )
    assert response.status_code == 400  # the queue's script shows this message
    assert response.json == {"error": "this page is out of date: reload it and try again"}
    form = client.post("/decisions", data={"action": "reject", "comment_id": item[0]})
    assert form.status_code == 400 and "Form expired" in form.data.decode()
    assert queue_items(client)[0] == item  # nothing changed


def test_security_headers(client):
    login(client, "mo")
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_hostile_comment_text_is_rendered_inert(client):
    login(client, "mo")
    html = client.get("/?author=script_kiddie").data.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<mark>stupid</mark>" in html  # the rule's match is still highlighted


def test_queue_lists_held_before_flagged_with_counts(client):
    login(client, "mo")
    items = queue_items(client)
    assert items[0][2] == "targetdrone"  # held (priority 85) comes first
    assert len(items) == 10
    html = client.get("/").data.decode()
    assert re.findall(r'data-state="(\w+)">\w+ <b>(\d+)</b>', html) == [
        ("awaiting", "9"),
        ("held", "1"),
        ("escalated", "0"),
        ("approved", "0"),
        ("rejected", "0"),
    ]


def test_filters(client):
    login(client, "mo")
    assert {a for _, _, a in queue_items(client, "?rule=spam")} == {"dealz4u"}
    assert {a for _, _, a in queue_items(client, "?author=Mel_Okafor")} == {"Mel_Okafor"}
    assert {a for _, _, a in queue_items(client, "?action=hold")} == {"targetdrone"}
    assert queue_items(client, "?state=rejected") == []
    assert {a for _, _, a in queue_items(client, "?q=terrorist+nations")} == {"targetdrone"}
    assert {a for _, _, a in queue_items(client, "?author=mel_okafor")} == {
        "Mel_Okafor"
    }  # any case
    by_title = {a for _, _, a in queue_items(client, "?article=blackberry+could+EXIT")}
    assert "targetdrone" in by_title and "Mel_Okafor" not in by_title
    shown = client.get("/?article=blackberry+could+EXIT").data.decode()
    assert f">{len(by_title)} comment(s) · page 1" in shown  # the count is of the same filter
    assert queue_items(client, "?article=100%25") == []  # % is a character, not a wildcard


def test_a_decision_leaves_the_queue_and_is_audited(client):
    login(client, "mo")
    first = queue_items(client)[0]
    response = decide(client, "reject", first[:2], note="dehumanising")
    assert response.json["results"][0]["ok"] is True
    assert response.json["counts"]["rejected"] == 1
    assert first[0] not in [i for i, _, _ in queue_items(client)]
    assert first[0] in [i for i, _, _ in queue_items(client, "?state=rejected")]
    audit = client.get("/audit").data.decode()
    assert "dehumanising" in audit and ">mo<" in audit
    rows = list(csv.DictReader(io.StringIO(client.get("/audit.csv").data.decode())))
    assert [
        (r["moderator"], r["action"], r["previous_state"], r["new_state"], r["note"]) for r in rows
    ] == [("mo", "reject", "held", "rejected", "dehumanising")]


def test_two_moderators_on_one_comment_the_second_is_told(app):
    first, second = app.test_client(), app.test_client()
    login(first, "mo")
    login(second, "mira")
    target = queue_items(first)[1]
    assert queue_items(second)[1] == target  # both saw it undecided
    assert decide(first, "reject", target[:2]).json["results"][0]["ok"]
    answer = decide(second, "approve", target[:2]).json["results"][0]
    assert answer["ok"] is False
    assert answer["message"] == "already decided by mo: now rejected"
    assert answer["state"] == "rejected"
    comment = second.get(f"/comments/{target[0]}").data.decode()
    assert comment.count("<td>reject</td>") == 1 and "<td>approve</td>" not in comment


def test_undo_restores_the_previous_state(client):
    login(client, "mo")
    target = queue_items(client)[0]
    decide(client, "approve", target[:2])
    response = client.post("/undo", json={}, headers={"X-CSRFToken": csrf_token(client)})
    [result] = response.json["results"]
    assert result["ok"] and result["comment_id"] == target[0] and result["state"] == "held"
    assert 'data-id="' + target[0] in result["html"]
    assert response.json["message"] == "undone: back to held"
    assert queue_items(client)[0][0] == target[0]
    nothing = client.post("/undo", json={}, headers={"X-CSRFToken": csrf_token(client)}).json
    assert nothing["results"] == [] and nothing["message"] == "nothing of yours to undo"


def test_one_undo_takes_back_a_whole_bulk_decision(client):
    login(client, "mo")
    first, *bulk = queue_items(client)[:4]
    decide(client, "approve", first[:2])
    decide(client, "reject", *(i[:2] for i in bulk))
    assert len(queue_items(client)) == 6
    response = client.post("/undo", json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert sorted(r["comment_id"] for r in response.json["results"]) == sorted(i[0] for i in bulk)
    assert response.json["message"] == "undone: all 3 of the bulk decision"
    assert response.json["counts"]["rejected"] == 0 and response.json["counts"]["approved"] == 1
    assert {i[0] for i in queue_items(client)} >= {i[0] for i in bulk}
    again = client.post("/undo", json={}, headers={"X-CSRFToken": csrf_token(client)}).json
    assert [r["comment_id"] for r in again["results"]] == [first[0]]  # then the single one


def test_bulk_decision(client):
    login(client, "mo")
    items = queue_items(client)[:3]
    results = decide(client, "reject", *(i[:2] for i in items)).json["results"]
    assert [r["ok"] for r in results] == [True, True, True]
    assert len(queue_items(client)) == 7


def test_rescoring_never_changes_a_human_decision(client, scored_store):
    login(client, "mo")
    target = queue_items(client)[0]
    decide(client, "approve", target[:2])
    score_paths(
        [SEEDS, DATA / "layouts", DATA / "pages"],
        scored_store,
        lambda: open_toxicity_scorer(scored_store.toxicity),
    )
    assert target[0] in [i for i, _, _ in queue_items(client, "?state=approved")]
    store = open_store(scored_store.db_url)
    with store.transaction() as connection:
        assert queue_store.counts(connection)["approved"] == 1
        assert queue_store.counts(connection)["held"] == 0
    store.close()


def test_comment_page_shows_thread_author_history_scores_and_trace(client):
    login(client, "mo")
    target = next(i for i in queue_items(client) if i[2] == "harbourwatch" and "?" not in i[0])
    html = client.get(f"/comments/{target[0]}").data.decode()
    assert "Other comments by harbourwatch" in html
    assert "Every rule, and why" in html
    assert "MATCH · insult" in html and "no · threat" in html
    assert "toxicity.profanity" in html


def test_the_form_fallback_works_without_the_script(client):
    login(client, "mo")
    target = queue_items(client)[0]
    token = csrf_token(client)
    response = client.post(
        "/decisions",
        data={"action": "escalate", "comment_id": target[0], "seen": "", "csrf_token": token},
    )
    assert response.status_code == 302
    assert target[0] in [i for i, _, _ in queue_items(client, "?state=escalated")]


def test_editor_reloads_rules_and_sees_statistics(client):
    login(client, "ed")
    html = client.get("/rules").data.decode()
    assert "What each rule did" in html and "<svg" in html and "toxicity.profanity" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    reloaded = client.post(
        "/rules/reload", data={"csrf_token": token}, follow_redirects=True
    ).data.decode()
    assert "Reloaded default.yml#" in reloaded


def test_admin_adds_an_account(client):
    login(client, "ada")
    page = client.get("/admin/users").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/admin/users",
        data={"name": "newbie", "role": "moderator", "password": "longenough", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Added newbie (moderator)." in response.data.decode()
    for data, says in [
        ({"name": "NEWBIE ", "role": "moderator", "password": "longenough"}, "user &#39;newbie&#39; already exists"),
        ({"name": "x" * 81, "role": "moderator", "password": "longenough"}, "Name: Field cannot be longer than 80 characters."),
        ({"name": "shorty", "role": "moderator", "password": "short"}, "Password: Field must be at least 8 characters long."),
        ({"name": "boss", "role": "owner", "password": "longenough"}, "Role: Not a valid choice."),
    ]:  # fmt: skip
        page = client.post("/admin/users", data=data | {"csrf_token": token}).data.decode()
        assert says in page, data


@pytest.mark.parametrize(
    ("target", "lands"),
    [("/audit", "/audit"), ("https://evil.example/", "/"), ("//evil.example/x", "/")],
)
def test_login_only_redirects_within_the_site(client, target, lands):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/login?next={target}",
        data={"name": "mo", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == lands


def test_logging_out_ends_every_session_of_the_account(app):
    here, there = app.test_client(), app.test_client()
    login(here, "mo")
    login(there, "mo")  # the same moderator on a second device
    stolen = app.test_client()
    stolen.set_cookie("session", here.get_cookie("session").value)  # a copied cookie
    assert stolen.get("/").status_code == 200
    here.post("/logout", headers={"X-CSRFToken": csrf_token(here)})
    for client in (here, there, stolen):
        response = client.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(there, "mo")  # logging in again works
    assert there.get("/").status_code == 200


def test_guessing_passwords_locks_the_account_for_a_growing_time(client, caplog):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def attempt(password: str) -> str:
        data = {"name": "mo", "password": password, "csrf_token": token}
        return client.post("/login", data=data, follow_redirects=True).data.decode()

    for n in range(5):
        assert "Wrong name or password." in attempt(f"guess {n}")
    assert "Wrong name or password." in attempt("guess 5")  # the sixth: now locked 2 s
    assert "Too many failed logins: try again in 2 s." in attempt(PASSWORD)  # even the right one
    assert "login locked for account:mo after 6 failures" in caplog.text
    time.sleep(2.1)  # the lock runs out; the right password works and clears the count
    assert "Log out" in attempt(PASSWORD)


def test_workers_without_a_configured_key_share_one_from_the_store(scored_store):
    from webui import create_app

    config = {
        "TESTING": True,
        "MODERATION_DB": scored_store.db,
        "MODERATION_RULES": str(DEFAULT_RULES),
    }
    first, second = create_app(dict(config)), create_app(dict(config))  # two gunicorn workers
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    here = first.test_client()
    login(here, "mo")
    there = second.test_client()
    there.set_cookie("session", here.get_cookie("session").value)
    assert there.get("/").status_code == 200  # a login on one worker holds on the other


def test_secure_cookies_are_switched_on_for_https(scored_store, monkeypatch):
    from webui import create_app

    config = {"TESTING": True, "MODERATION_DB": scored_store.db, "SECRET_KEY": "test"}
    assert create_app(dict(config)).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("MODERATION_SECURE_COOKIES", "1")
    app = create_app(dict(config))
    client = app.test_client()
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"name": "mo", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_comment_awaiting_approval_on_the_site_says_so_in_the_queue(
    client, scored_store, tmp_path
):
    pending = tmp_path / "pending.xml"
    wxr = (DATA / "exports" / "wordpress_export.xml").read_text()
    pending.write_text(wxr.replace("<![CDATA[trash]]>", "<![CDATA[0]]>"))  # Pete Nowak's
    score_paths([pending], scored_store, lambda: open_toxicity_scorer(scored_store.toxicity))
    login(client, "mo")
    html = client.get("/", query_string={"author": "Pete Nowak"}).data.decode()
    assert "</mark>, the lot of them." in html
    assert '<span class="source-status status-pending"' in html and "pending on the site" in html


def test_a_reject_says_why_and_the_audit_shows_it(client):
    login(client, "mo")
    first, second = queue_items(client)[:2]
    headers = {"X-CSRFToken": csrf_token(client)}

    def reject(item, **extra):
        body = {"action": "reject", "items": [{"id": item[0], "seen": item[1] or None}]} | extra
        return client.post("/decisions", json=body, headers=headers)

    assert reject(first, reason="nonsense").status_code == 400
    refused = reject(first, reason="other")
    assert refused.status_code == 400
    assert refused.json["error"] == "the reason 'other' wants a note saying what it is"
    assert reject(first, reason="spam").json["results"][0]["ok"] is True
    assert reject(second, reason="other", note="doxxing").json["results"][0]["ok"] is True
    rows = list(csv.DictReader(io.StringIO(client.get("/audit.csv").data.decode())))
    assert [(r["reason"], r["note"]) for r in rows] == [("other", "doxxing"), ("spam", "")]
    assert '<td data-label="reason">spam</td>' in client.get("/audit").data.decode()
    assert '<select id="reason" name="reason">' in client.get("/").data.decode()
