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
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{server}/login")
        page.fill("input[name=name]", "mo")
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_selector("article.item")
        page.dialogs = dialogs
        yield page
        browser.close()


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
