"""Two moderators deciding the same comment at once: exactly one wins, on SQLite and on
PostgreSQL, the other is told who decided, and the audit log has each decision once."""

from __future__ import annotations

import threading

import pytest
from conftest import SEEDS
from sqlalchemy import func, select

from moderation import review
from moderation.pipeline import score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store
from moderation.store.queue import QueueFilter
from moderation.store.schema import reviews


@pytest.fixture
def store_url(db_url):
    return db_url


def test_simultaneous_decisions_on_one_comment_have_one_winner(settings):
    score_paths([SEEDS], settings, lambda: open_toxicity_scorer(settings.toxicity))
    store = open_store(settings.db_url)
    try:
        [item, *_] = review.queue(store, QueueFilter())[0]
        comment_id, seen = item.row["id"], None
        for round_ in range(5):  # the first round inserts the state, later ones update it
            barrier = threading.Barrier(10)
            outcomes: list = []

            def decide(moderator, action, seen=seen, barrier=barrier, outcomes=outcomes) -> None:
                barrier.wait()
                outcomes.extend(review.decide(store, [(comment_id, seen)], moderator, action)[0])

            threads = [
                threading.Thread(target=decide, args=(("ana", "ben")[n % 2], ("reject", "approve")[n % 2]))
                for n in range(10)
            ]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            [winner] = [o for o in outcomes if o.ok]
            assert all(
                o.message == f"already decided by {winner.decided_by}: now {winner.state}"
                for o in outcomes if not o.ok
            ), round_  # fmt: skip
            seen = winner.review_id
            with store.transaction() as connection:
                assert connection.scalar(select(func.count()).select_from(reviews)) == round_ + 1
    finally:
        store.close()
