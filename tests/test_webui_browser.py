"""The review queue in real headless Chromium: keyboard only, bulk actions, a screenshot.

Uses Debian's chromium (never a downloaded browser); the server listens on 127.0.0.1.
"""

import shutil
import threading
from pathlib import Path

import pytest
from conftest import PASSWORD, ROOT
from werkzeug.serving import make_server

from moderation.store import open_store
from moderation.store import queue as queue_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


def logged_in(browser, server, name: str = "mo", width: int = 1200, height: int = 900):
    """A page of its own (own cookies) with `name` logged in, on the queue."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("article.item")
    page.dialogs = dialogs
    return page


@pytest.fixture
def page(browser, server):
    return logged_in(browser, server)


def states(scored_store) -> dict[str, int]:
    store = open_store(scored_store.db_url)
    with store.transaction() as connection:
        counts = queue_store.counts(connection)
    store.close()
    return counts


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all("article.item:not(.gone)", "els => els.map(e => e.dataset.id)")


def test_keyboard_alone_approves_rejects_and_undoes(page, scored_store):
    first, second, third = visible_ids(page)[:3]
    page.keyboard.press("a")  # approve the first (current) comment
    page.wait_for_selector(f'article.item[data-id="{first}"]', state="hidden")
    assert page.text_content('.counts [data-state="approved"] b') == "1"
    page.keyboard.press("j")  # the next one is already current; j moves one further
    page.keyboard.press("k")  # and back
    page.keyboard.press("r")
    page.wait_for_selector(f'article.item[data-id="{second}"]', state="hidden")
    assert page.text_content('.counts [data-state="rejected"] b') == "1"
    assert page.evaluate("document.activeElement.dataset.id") == third
    page.keyboard.press("u")  # undo the reject
    page.wait_for_selector(f'article.item[data-id="{second}"]:not(.gone)')
    assert page.text_content('.counts [data-state="rejected"] b') == "0"
    assert page.evaluate("document.activeElement.dataset.id") == second
    assert states(scored_store)["approved"] == 1 and states(scored_store)["rejected"] == 0
    page.keyboard.press("?")
    assert page.is_visible("#help")
    assert page.dialogs == []  # the hostile comment's script never ran


def test_select_by_keyboard_and_bulk_reject_with_the_mouse(page, scored_store):
    ids = visible_ids(page)
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.click(f'article.item[data-id="{ids[2]}"] input.pick')
    page.click("button.bulk[data-action=reject]")
    for comment_id in ids[:3]:
        page.wait_for_selector(f'article.item[data-id="{comment_id}"]', state="hidden")
    assert page.text_content('.counts [data-state="rejected"] b') == "3"
    assert states(scored_store)["rejected"] == 3
    assert "reject: 3 done" in page.text_content("#status")


def test_screenshot_of_the_queue(page):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "queue.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000


def decide_elsewhere(scored_store, comment_id: str, moderator: str, action: str) -> None:
    from moderation.review import decide

    store = open_store(scored_store.db_url)
    [outcome], _ = decide(store, [(comment_id, None)], moderator, action)
    store.close()
    assert outcome.ok


def test_after_a_conflict_focus_stays_on_the_comment_and_its_label_is_updated(page, scored_store):
    first, second = visible_ids(page)[:2]
    decide_elsewhere(scored_store, first, "mira", "approve")
    page.keyboard.press("r")
    card = f'article.item[data-id="{first}"]'
    page.wait_for_selector(f"{card}.conflict")
    assert page.text_content(f"{card} .outcome") == "already decided by mira: now approved"
    assert page.text_content(f"{card} .state") == "approved"
    assert page.evaluate("document.activeElement.dataset.id") == first  # not moved on
    assert "1 already decided by someone else" in page.text_content("#status")
    page.keyboard.press("r")  # now seen as it is: a deliberate second decision
    page.wait_for_selector(card, state="hidden")
    assert page.evaluate("document.activeElement.dataset.id") == second
    assert states(scored_store)["rejected"] == 1


def test_one_undo_brings_back_a_whole_bulk_decision(page, scored_store):
    ids = visible_ids(page)[:3]
    for _ in ids:
        page.keyboard.press("x")
        page.keyboard.press("j")
    page.keyboard.press("r")
    for comment_id in ids:
        page.wait_for_selector(f'article.item[data-id="{comment_id}"]', state="hidden")
    page.keyboard.press("u")
    for comment_id in ids:
        page.wait_for_selector(f'article.item[data-id="{comment_id}"]:not(.gone)')
    assert page.text_content("#status") == "undone: all 3 of the bulk decision"
    assert page.text_content('.counts [data-state="rejected"] b') == "0"
    assert states(scored_store)["rejected"] == 0


def test_two_moderators_see_each_others_decisions_without_reloading(
    app, browser, server, scored_store
):
    app.config["QUEUE_POLL_MS"] = 300
    mo, mira = logged_in(browser, server, "mo"), logged_in(browser, server, "mira")
    target = visible_ids(mira)[0]
    card = f'article.item[data-id="{target}"]'
    # A click, not the key: this test is about what mo sees, and the key needs the page's
    # focus, which a slow first load (PostgreSQL under a full test run) may not have set yet.
    mira.click(f"{card} button.approve")
    mira.wait_for_selector(card, state="hidden")
    mo.wait_for_selector(f"{card}.taken", timeout=5000)
    assert mo.text_content(f"{card} .outcome") == "approve by mira: now approved"
    assert mo.text_content('.counts [data-state="approved"] b') == "1"
    mira.keyboard.press("u")  # and back: mo's counts follow
    mo.wait_for_selector('.counts [data-state="approved"] b:text-is("0")', timeout=5000)


def test_author_drawer_holds_new_comments_and_closes_with_escape(page, scored_store):
    first = visible_ids(page)[0]
    author = page.text_content(f'article.item[data-id="{first}"] a.author')
    page.click(f'article.item[data-id="{first}"] a.author')
    page.wait_for_selector("#drawer:not([hidden]) .author-card h2")
    assert page.text_content("#drawer h2") == author
    assert "Reject all pending" in page.text_content("#drawer")
    page.click("#drawer button[value=premoderate]")
    page.wait_for_selector("#drawer .author-outcome:has-text('held for review')")
    assert "premoderated" in page.text_content("#drawer .standing")
    page.keyboard.press("Escape")
    assert page.is_hidden("#drawer")
    assert page.evaluate("document.activeElement.dataset.id") == first
    page.keyboard.press("o")  # the keyboard opens it too
    page.wait_for_selector("#drawer:not([hidden])")


def test_thread_compact_mode_and_search(page):
    first = visible_ids(page)[0]
    page.keyboard.press("t")
    body = f'article.item[data-id="{first}"] .thread-body'
    page.wait_for_selector(f"{body}:has-text('comment')")
    assert "Loading" not in page.text_content(body)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.keyboard.press("c")
    fits = page.evaluate(
        "Array.from(document.querySelectorAll('article.item')).filter(e => e.getBoundingClientRect().bottom <= innerHeight).length"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue-compact.png"))
    assert fits >= 6, f"only {fits} comments fit on a 1366x900 screen in compact mode"
    page.reload()
    page.wait_for_selector("article.item")
    assert page.evaluate("document.body.classList.contains('compact')")  # remembered
    page.fill("input[name=q]", "stupid")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    texts = page.eval_on_selector_all("article.item .text", "els => els.map(e => e.textContent)")
    assert texts and all("stupid" in t.lower() for t in texts)


def test_single_key_shortcuts_can_be_switched_off(page, scored_store):
    page.uncheck("#shortcuts")
    page.focus("article.item")
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    assert page.text_content('.counts [data-state="approved"] b') == "0"
    page.reload()
    page.wait_for_selector("article.item")
    assert not page.is_checked("#shortcuts")  # remembered


def test_phone_width_touch_targets_and_an_audit_page_without_sideways_scrolling(
    browser, server, scored_store
):
    decide_elsewhere(scored_store, "c2c1bd5bf4aba50e8", "mira", "reject")
    phone = logged_in(browser, server, "mo", width=390, height=844)
    sizes = phone.eval_on_selector_all(
        "article.item button, .toolbar button, .count, input.pick",
        "els => els.map(e => { const r = (e.closest('label.select') || e).getBoundingClientRect(); return [r.width, r.height]; })",
    )
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes
    for url in ("/", "/audit"):
        phone.goto(f"{server}{url}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide at 390"
