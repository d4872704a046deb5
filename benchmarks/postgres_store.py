"""The store on PostgreSQL beside SQLite, measured in the same run.

    .venv/bin/python benchmarks/postgres_store.py [--rounds 20] [--small 1000] [--large 1000000]

Starts a throwaway PostgreSQL server (initdb and pg_ctl, as the tests do), then on each
database:
1. simultaneous decisions: in each of --rounds rounds, 50 threads (two moderators, 25
   each) decide the same comment at once, all having seen the same state; counts the
   winners per round (target: exactly one) and checks that the audit log (reviews) has
   every winning decision once and nothing else;
2. the first queue page with --small and --large stored comments (built through the
   store's own functions, as benchmarks/queue_page.py does), median of 30 requests;
   target: --large within 2x of --small.

Prints the results side by side, with the CPU.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import postgres_server
from cpu import cpu_line
from queue_page import build, client_for, time_pair
from sqlalchemy import func, select

from moderation import review
from moderation.store import open_store
from moderation.store.queue import QueueFilter
from moderation.store.schema import reviews

THREADS = 50


def decisions(url: str, rounds: int) -> tuple[list[int], bool]:
    """Winners in each round, and whether the audit log has exactly the winning decisions."""
    store = open_store(url)
    try:
        items = review.queue(store, QueueFilter(per_page=rounds))[0]
        winners = []
        for item in items[:rounds]:
            barrier, outcomes = threading.Barrier(THREADS), []

            def decide(n: int, comment_id=item.row["id"], barrier=barrier, outcomes=outcomes):
                barrier.wait()
                moderator, action = ("ana", "reject") if n % 2 else ("ben", "approve")
                outcomes += review.decide(store, [(comment_id, None)], moderator, action)[0]

            threads = [threading.Thread(target=decide, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            winners.append(sum(o.ok for o in outcomes))
        with store.transaction() as connection:
            logged = connection.scalar(select(func.count()).select_from(reviews))
        return winners, logged == sum(winners)
    finally:
        store.close()


def measure(url_for, label: str, args) -> dict:
    started = time.perf_counter()
    small = build(url_for("small"), args.small)
    winners, audited = decisions(small, args.rounds)
    large = build(url_for("large"), args.large)
    print(f"{label}: stores built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (fast, _), (slow, _) = time_pair([client_for(small), client_for(large)], ["", ""], 30)
    return {"winners": winners, "audited": audited, "small": fast, "large": slow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(lambda name: f"sqlite:///{folder}/{name}.db", "SQLite", args)
    with (
        postgres_server.server() as admin,
        postgres_server.database(admin) as small,
        postgres_server.database(admin) as large,
    ):
        urls = {"small": small, "large": large}
        results["PostgreSQL"] = measure(urls.__getitem__, "PostgreSQL", args)
    print(cpu_line())
    for name, found in results.items():
        one = all(w == 1 for w in found["winners"])
        print(f"{name}:")
        print(f"  {args.rounds} rounds of {THREADS} simultaneous decisions on one comment: "
              f"winners per round {sorted(set(found['winners']))} "
              f"({'exactly one each time' if one else 'NOT one each time'}); audit log "
              f"{'has every decision once' if found['audited'] else 'DIFFERS'}")  # fmt: skip
        ratio = found["large"] / found["small"]
        print(f"  queue page: {args.small:,} comments {found['small'] * 1000:.1f} ms, "
              f"{args.large:,} comments {found['large'] * 1000:.1f} ms: {ratio:.2f}x "
              f"(target within 2x: {'met' if ratio <= 2 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
