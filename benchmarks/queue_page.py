"""The first queue page must stay fast as the store grows: 100,000 comments vs 1,000.

    .venv/bin/python benchmarks/queue_page.py [--small 1000] [--large 100000]

Builds two stores in a temporary folder through the store's own functions (articles,
comments, scores and rule decisions for generated comments: about one in seven flagged,
as the shipped rules flag), then times the logged-in queue page on each through Flask,
in the same run, and prints the ratio against the 2x target.
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
        "score": "min_score=0.5",
        "deep page": queue_store.cursor_query(deep),
    }


def time_queue(url: str, wanted: dict[str, str], repeats: int) -> dict[str, tuple[float, int]]:
    """Median server time of each queue page, and how many comments it lists."""
    from webui import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "MODERATION_DB": url,
                      "MODERATION_RULES": str(ROOT / "rules" / "default.yml"), "SECRET_KEY": "bench"})  # fmt: skip
    client = app.test_client()
    client.post("/login", data={"name": "bench", "password": "benchmark-password"})
    client.get("/")  # warm: store opened, rules and templates loaded
    found = {}
    for name, query in wanted.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get("/?" + query)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = statistics.median(times), response.data.count(b'class="item ')
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(cpu_line())
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for count in (args.small, args.large):
            started = time.perf_counter()
            url = build(f"sqlite:///{Path(folder) / f'queue-{count}.db'}", count)
            print(
                f"built a store of {count:,} comments in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            results[count] = time_queue(url, cases(url), args.repeats)
    small, large = results[args.small], results[args.large]
    print(f"{'queue page':<12} {args.small:>9,} {args.large:>9,}   ratio (target within {TARGET}x)")
    worst = 0.0
    for name in small:
        (fast, shown_small), (slow, shown_large) = small[name], large[name]
        ratio = slow / fast
        worst = max(worst, ratio)
        print(
            f"{name:<12} {fast * 1000:6.1f} ms {slow * 1000:6.1f} ms   {ratio:5.2f}"
            f"  ({shown_small} and {shown_large} listed)"
        )
    print(f"worst ratio: {worst:.2f} ({'met' if worst <= TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
