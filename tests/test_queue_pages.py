"""Keyset pagination of the queue: next and previous pages read from the rows shown, and
walking them gives every comment once, in the queue's order, NULL scores included."""

from datetime import UTC, datetime

import pytest

from moderation.records import Action, Article, Comment, Decision, RuleMatch
from moderation.store import articles, decisions, open_store
from moderation.store import comments as comment_store
from moderation.store import queue as queue_store
from moderation.store.queue import Cursor, QueueFilter


@pytest.fixture
def store_url(db_url):
    return db_url


@pytest.fixture
def queue_store_with_ties(settings):
    """47 flagged or held comments: priorities 10 and 50, scores with ties and NULLs."""
    store = open_store(settings.db_url)
    now = datetime.now(UTC)
    comments = [Comment(f"c{n:02d}", "a1", f"user{n % 5}", n, f"text {n}") for n in range(47)]
    decided = []
    for n, comment in enumerate(comments):
        priority = 50 if n % 3 == 0 else 10
        action = Action.HOLD if priority == 50 else Action.FLAG
        top = None if n % 7 == 0 else round((n % 4) / 4, 2)  # ties, and some unscored
        match = RuleMatch("r", action, priority, ("why",))
        decided.append((comment.id, Decision(action, (match,), "test"), top))
    with store.transaction() as connection:
        articles.save(connection, [Article("a1", "a.html", "A")], now)
        comment_store.save(connection, comments, now)
        decisions.record(connection, decided, "vader", "tox", now)
        queue_store.refresh_counts(connection)
    yield store
    store.close()


def walk(store, wanted: QueueFilter, step: str) -> list[list[str]]:
    pages = []
    with store.transaction() as connection:
        rows = queue_store.page(connection, wanted)
        while rows:
            pages.append([r["id"] for r in rows])
            edge = rows[-1] if step == "after" else rows[0]
            rows = queue_store.page(
                connection, QueueFilter(per_page=wanted.per_page, **{step: Cursor.of(edge)})
            )
    return pages


def test_next_pages_give_every_comment_once_in_order(queue_store_with_ties):
    with queue_store_with_ties.transaction() as connection:
        everything = [r["id"] for r in queue_store.page(connection, QueueFilter(per_page=None))]
        by_offset = [
            [r["id"] for r in queue_store.page(connection, QueueFilter(page=n, per_page=10))]
            for n in range(1, 6)
        ]
    pages = walk(queue_store_with_ties, QueueFilter(per_page=10), "after")
    assert [len(p) for p in pages] == [10, 10, 10, 10, 7]
    assert [i for p in pages for i in p] == everything and len(set(everything)) == 47
    assert pages == by_offset  # the same pages as counting rows


def test_previous_pages_walk_back_the_same_pages(queue_store_with_ties):
    forward = walk(queue_store_with_ties, QueueFilter(per_page=10), "after")
    with queue_store_with_ties.transaction() as connection:
        last = queue_store.page(connection, QueueFilter(page=5, per_page=10))
    back = []
    rows = last
    with queue_store_with_ties.transaction() as connection:
        while rows:
            back.append([r["id"] for r in rows])
            rows = queue_store.page(connection, QueueFilter(per_page=10, before=Cursor.of(rows[0])))
    assert back[::-1] == forward


def test_cursor_tokens_survive_a_url_and_nonsense_is_ignored():
    for cursor in (
        Cursor(50, 0.123456789012345, "c:1"),
        Cursor(None, None, "x"),
        Cursor(10, None, "y"),
    ):
        assert Cursor.parse(cursor.token()) == cursor
    assert Cursor.parse("not a cursor") is None and Cursor.parse(None) is None
    assert Cursor.parse("x:1.0:c1") is None


def test_the_queue_page_links_to_next_and_previous_by_cursor(client):
    from conftest import login

    login(client, "mo")
    first = client.get("/", query_string={"per_page": 5})
    html = first.data.decode()
    import re

    ids_first = re.findall(r'<article [^>]*data-id="(\w+)"', html)
    following = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert following and "after=" in following.group(1)
    second = client.get(following.group(1).replace("&amp;", "&")).data.decode()
    ids_second = re.findall(r'<article [^>]*data-id="(\w+)"', second)
    assert ids_second and not set(ids_first) & set(ids_second)
    assert "page 2 of 2" in second
    back = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1).replace("&amp;", "&")
    assert re.findall(r'<article [^>]*data-id="(\w+)"', client.get(back).data.decode()) == ids_first


def test_a_broad_filter_is_counted_up_to_a_limit(queue_store_with_ties, monkeypatch):
    monkeypatch.setattr(queue_store, "COUNT_UP_TO", 20)
    with queue_store_with_ties.transaction() as connection:
        assert queue_store.total(connection, QueueFilter(action="flag")) == 21  # "more than 20"
        assert queue_store.total(connection, QueueFilter(action="hold")) == 16  # all of them
        assert queue_store.total(connection, QueueFilter()) == 47  # states only: the counts


def test_the_page_says_more_than_and_still_links_onwards(client, monkeypatch):
    import re

    from conftest import login

    monkeypatch.setattr(queue_store, "COUNT_UP_TO", 3)
    login(client, "mo")
    html = client.get("/", query_string={"action": "flag", "per_page": 5}).data.decode()
    assert "More than 3 comments · page 1" in html
    assert re.search(r'<a href="[^"]+after=[^"]+" rel="next">', html)


@pytest.mark.parametrize("read_each, list_up_to", [(1000, 10_000), (0, 10_000), (0, 0)])
def test_search_gives_the_same_pages_and_totals_whichever_way_it_reads(
    queue_store_with_ties, monkeypatch, read_each, list_up_to
):
    """Few matches are read one by one, more are checked against a list, many are looked
    up per queue row: the same comments, in the same order, counted the same."""
    monkeypatch.setattr(comment_store, "READ_EACH_UP_TO", read_each)
    monkeypatch.setattr(comment_store, "LIST_UP_TO", list_up_to)
    with queue_store_with_ties.transaction() as connection:
        for words, rule in (("text", None), ("user1", None), ("text", "r"), ("4", None)):
            wanted = QueueFilter(search=words, rule=rule, per_page=None)
            everything = queue_store.page(connection, QueueFilter(per_page=None, rule=rule))
            expected = [
                r["id"]
                for r in everything
                if words in r["text"].split() or words in r["author"].split()
            ]
            assert [r["id"] for r in queue_store.page(connection, wanted)] == expected
            assert queue_store.total(connection, wanted) == len(expected)
