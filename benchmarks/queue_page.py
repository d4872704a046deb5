"""The queue stays fast as the store grows: every filter, a search, a deep page at
100,000 comments vs 1,000.

    .venv/bin/python benchmarks/queue_page.py [--small 1000] [--large 100000]

Builds two stores in a temporary folder through the store's own functions (articles,
comments, scores and rule decisions for generated comments: about one in seven flagged,
as the shipped rules flag), then times the logged-in queue page through Flask for each
case (first page; by author, rule, action, article title, score; a search for a word in
3% and one in 30% of comments; the page after 80% of the queue, by its keyset link), the
two stores taking turns, and prints each ratio against the 2x target. Where the small
store lists fewer comments than a page, both are timed again with that many per page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from comments import LABELS, comments
from cpu import cpu_line

from moderation.records import Article, Comment, Scores, ScoreSet, stable_id, text_key
from moderation.rules import load_rules
from moderation.store import articles, decisions, open_store, users
from moderation.store import comments as comment_store
from moderation.store import queue as queue_store
from moderation.store import scores as score_store

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0


def build(url: str, count: int) -> str:
    """A store at `url` with `count` generated, scored and decided comments, and one
    moderator."""
    store = open_store(url)
    rules = load_rules(ROOT / "rules" / "default.yml")
    rng = random.Random(count)
    now = datetime.now(UTC)
    batch = 5000
    texts = comments(count, seed=count)
    with store.transaction() as connection:
        pages = [
            Article(stable_id("a", i), f"page-{i}.txt", f"Harbour report {i:06d}")
            for i in range(max(1, count // 40))
        ]
        articles.save(connection, pages, now)
        for start in range(0, count, batch):
            chunk = []
            for i in range(start, min(count, start + batch)):
                text = next(texts)
                if rng.random() < 0.03:  # a word moderators search for: 3% of comments
                    text += " The ferry again."
                if rng.random() < 0.3:  # and a common one
                    text += " Harbour news."
                comment = Comment(
                    stable_id("c", i),
                    pages[i % len(pages)].id,
                    f"user{rng.randrange(count // 5 + 1)}",
                    i,
                    text,
                )
                labels = {label: rng.betavariate(0.6, 6) for label in LABELS}
                scores = Scores(
                    ScoreSet("vader", {"compound": rng.uniform(-1, 1)}),
                    ScoreSet("detoxify-bench", labels),
                )
                chunk.append((comment, scores, rules.decide(comment, scores)))
            comment_store.save(connection, [c for c, _, _ in chunk], now)
            score_store.add(
                connection,
                "toxicity",
                "detoxify-bench",
                {text_key(c.text): dict(s.toxicity.labels) for c, s, _ in chunk},
                now,
            )
            score_store.add(
                connection,
                "sentiment",
                "vader",
                {text_key(c.text): dict(s.sentiment.labels) for c, s, _ in chunk},
                now,
            )
            decided = [(c.id, d, max(s.toxicity.labels.values())) for c, s, d in chunk]
            decisions.record(connection, decided, "vader", "detoxify-bench", now)
        queue_store.refresh_counts(connection)
        users.add(connection, "bench", "moderator", "benchmark-password", now)
    if url.startswith("postgresql"):
        # As autovacuum does after a bulk load: statistics the planner works from.
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    store.close()
    return url


def cases(url: str) -> dict[str, str]:
    """What moderators ask of the queue, as query strings on this store: the first page,
    each filter, a search, and a deep page (the next page after 80% of the queue)."""
    store = open_store(url)
    with store.transaction() as connection:
        rows = queue_store.page(connection, queue_store.QueueFilter(per_page=None))
    store.close()
    author = max({r["author"] for r in rows}, key=lambda a: sum(r["author"] == a for r in rows))
    deep = rows[int(len(rows) * 0.8)]
    return {
        "first page": "",
        "author": f"author={author.upper()}",
        "rule": "rule=insult",
        "action": "action=hold",
        "article": f"article={rows[len(rows) // 2]['title'].lower()}",
        "search": "q=ferry",
        "search, common word": "q=harbour",
        "score": "min_score=0.5",
        "deep page": queue_store.cursor_query(deep),
    }


def client_for(url: str):
    """A logged-in test client of the app on this store, warmed up."""
    from webui import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "MODERATION_DB": url,
                      "MODERATION_RULES": str(ROOT / "rules" / "default.yml"), "SECRET_KEY": "bench"})  # fmt: skip
    client = app.test_client()
    client.post("/login", data={"name": "bench", "password": "benchmark-password"})
    client.get("/")  # warm: store opened, rules and templates loaded
    return client


def time_pair(clients: list, queries: list[str], repeats: int) -> list[tuple[float, int]]:
    """Median server time of one queue page on each store, and how many comments it lists.
    The stores take turns, request by request: a slower moment of a shared machine falls
    on both, not on one side of the ratio."""
    times: list[list[float]] = [[] for _ in clients]
    listed = []
    for client, query in zip(clients, queries, strict=True):  # warm this page's caches
        response = client.get("/?" + query)
        assert response.status_code == 200, (query, response.status_code)
        listed.append(response.data.count(b'class="item '))
    for _ in range(repeats):
        for side, (client, query) in enumerate(zip(clients, queries, strict=True)):
            started = time.perf_counter()
            client.get("/?" + query)
            times[side].append(time.perf_counter() - started)
    return [(statistics.median(t), n) for t, n in zip(times, listed, strict=True)]


def compare(urls: list[str], repeats: int) -> dict[str, list]:
    """case -> [(time, listed) on the small store, on the large one, and the same two
    with as many per page as the small store lists, where it lists fewer]."""
    clients = [client_for(url) for url in urls]
    wanted = [cases(url) for url in urls]
    found = {}
    for name in wanted[0]:
        pair = time_pair(clients, [w[name] for w in wanted], repeats)
        found[name] = pair
        if pair[0][1] < pair[1][1]:
            # The small store lists fewer than the large one: both timed again with that
            # many per page, the same page, so the ratio is the store's and not the
            # drawing of more comments.
            per_page = max(1, pair[0][1])
            same = [f"{w[name]}&per_page={per_page}" for w in wanted]
            found[name] = [*pair, *time_pair(clients, same, repeats)]
    return found


def report(label: str, sizes: tuple[int, int], found: dict[str, list]) -> None:
    print(f"{label}:")
    print(f"{'queue page':<20} {sizes[0]:>9,} {sizes[1]:>9,}   ratio (target within {TARGET}x)")
    worst = 0.0
    for name, timed in found.items():
        (fast, shown_small), (slow, shown_large) = timed[:2]
        line = f"{name:<20} {fast * 1000:6.1f} ms {slow * 1000:6.1f} ms   {slow / fast:5.2f}"
        line += f"  ({shown_small} and {shown_large} listed)"
        if len(timed) == 4:
            (fast, _), (slow, _) = timed[2:]
            line += f"; {max(1, shown_small)} per page on both: {fast * 1000:.1f} vs {slow * 1000:.1f} ms, {slow / fast:.2f}"
        worst = max(worst, slow / fast)
        print(line)
    print(f"worst ratio, same page sizes: {worst:.2f} ({'met' if worst <= TARGET else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument(
        "--postgres", action="store_true", help="also on a throwaway PostgreSQL server"
    )
    args = parser.parse_args()
    sizes = (args.small, args.large)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{Path(folder) / f'queue-{count}.db'}" for count in sizes]
        results["SQLite"] = compare(_built(urls, sizes), args.repeats)
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        import postgres_server

        with (
            postgres_server.server() as admin,
            postgres_server.database(admin) as small,
            postgres_server.database(admin) as large,
        ):
            results["PostgreSQL"] = compare(_built([small, large], sizes), args.repeats)
    print(cpu_line())
    for label, found in results.items():
        report(label, sizes, found)


def _built(urls: list[str], sizes: tuple[int, int]) -> list[str]:
    for url, count in zip(urls, sizes, strict=True):
        started = time.perf_counter()
        build(url, count)
        print(f"built a store of {count:,} comments in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
    return urls


if __name__ == "__main__":
    main()
