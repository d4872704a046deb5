"""The store: migrations, idempotent runs, cached scores, and reviews no run can touch."""

from datetime import UTC, datetime

import pytest
from conftest import SEEDS
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from moderation.errors import StoreError
from moderation.pipeline import RunOptions, score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store, queue, reviews
from moderation.store.schema import articles, comments, rule_decisions, runs, scores


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def run(settings):
    options = RunOptions(keep_results=True)
    return score_paths(
        [SEEDS], settings, lambda: open_toxicity_scorer(settings.toxicity), None, options
    )


def counts(settings) -> dict[str, int]:
    store = open_store(settings.db_url, create=False)
    with store.transaction() as connection:
        result = {
            t.name: connection.scalar(select(func.count()).select_from(t))
            for t in (articles, comments, scores, rule_decisions)
        }
    store.close()
    return result


def test_detoxify_labels_are_stored_with_the_model_id(tiny_settings):
    report = run(tiny_settings)
    assert report.toxicity_model.startswith("detoxify-local:tiny.ckpt#")
    store = open_store(tiny_settings.db_url, create=False)
    with store.transaction() as connection:
        rows = connection.execute(select(scores.c.model, scores.c.kind, scores.c.labels)).all()
        decided = set(connection.scalars(select(rule_decisions.c.toxicity_model)))
    store.close()
    toxicity_rows = [r for r in rows if r.kind == "toxicity"]
    # Four own texts and one quote; the quote is the same words as Daniel Coca's comment.
    assert len(toxicity_rows) == 4
    assert {r.model for r in toxicity_rows} == {report.toxicity_model}
    assert all(
        set(r.labels)
        == {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}
        for r in toxicity_rows
    )
    assert decided == {report.toxicity_model}


def test_running_again_adds_nothing_and_scores_nothing(settings):
    first = run(settings)
    before = counts(settings)
    second = run(settings)
    assert (
        before
        == counts(settings)
        == {"articles": 5, "comments": 4, "scores": 8, "rule_decisions": 4}
    )
    assert (first.new_comments, first.scored_texts) == (4, 4)
    assert (second.new_comments, second.scored_texts) == (0, 0)
    assert [r.decision for r in second.results] == [r.decision for r in first.results]


def test_each_run_is_recorded(settings):
    run(settings)
    run(settings)
    store = open_store(settings.db_url, create=False)
    with store.transaction() as connection:
        recorded = connection.execute(
            select(runs.c.comments, runs.c.flagged, runs.c.toxicity_model)
        ).all()
    store.close()
    assert [(r.comments, r.flagged) for r in recorded] == [(4, 2), (4, 2)]


def test_rescoring_never_touches_moderator_reviews(settings):
    report = run(settings)
    comment_id = report.results[2].comment.id
    store = open_store(settings.db_url)
    with store.transaction(immediate=True) as connection:
        queue.decide(
            connection,
            comment_id,
            "mod-ana",
            "reject",
            None,
            datetime.now(UTC),
            note="personal attack",
        )
    store.close()
    run(settings)
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        (review,) = reviews.history(connection, comment_id)
    assert (review["moderator"], review["action"], review["note"]) == (
        "mod-ana",
        "reject",
        "personal attack",
    )
    with pytest.raises(IntegrityError, match="append-only"), store.transaction() as connection:
        connection.execute(text("UPDATE reviews SET action = 'approve'"))
    with pytest.raises(IntegrityError, match="append-only"), store.transaction() as connection:
        connection.execute(text("DELETE FROM reviews"))
    store.close()


def test_a_store_from_a_newer_version_is_refused(settings):
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="newer than this version knows"):
        open_store(settings.db_url)


def test_reading_a_store_that_does_not_exist(tmp_path):
    with pytest.raises(StoreError, match="no store here yet"):
        open_store(f"sqlite:///{tmp_path / 'none.db'}", create=False)
    assert not (tmp_path / "none.db").exists()


class Recorder:
    def __init__(self) -> None:
        self.total, self.done = None, []

    def start(self, total):
        self.total = total

    def advance(self, count):
        self.done.append(count)


def test_progress_knows_the_total_and_counts_comments_as_they_are_done(settings):
    progress = Recorder()
    score_paths([SEEDS], settings, lambda: open_toxicity_scorer(settings.toxicity), progress)
    assert progress.total == 4 and sum(progress.done) == 4
