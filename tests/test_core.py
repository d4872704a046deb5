"""The scoring core: comments given as values, scored and decided, with or without a store."""

from __future__ import annotations

import threading
import time

from conftest import DEFAULT_RULES, SEEDS

from moderation.core import Moderator
from moderation.pipeline import RunOptions, score_paths
from moderation.records import Action, Article, Comment
from moderation.rules import load_rules
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store


def test_a_text_is_scored_and_decided_with_no_files_and_no_database(settings):
    moderator = Moderator.from_settings(settings)
    result = moderator.moderate("Jake, you are a clueless idiot.")
    assert result.decision.action is Action.FLAG
    assert "insult" in result.decision.rule_ids
    assert result.scores.toxicity.model == "alt-profanity-check@1.9.1"
    assert result.scores.sentiment.model.startswith("vader@")
    assert result.scores.sentiment.labels["compound"] < 0
    spans = [s.text for m in result.decision.matches for s in m.spans]
    assert "idiot" in spans
    calm = moderator.moderate("Thanks for the clear reporting.")
    assert calm.decision.action is None


def test_replies_given_together_see_their_parents(settings):
    moderator = Moderator.from_settings(settings)
    article = Article("a1", "test", "An article")
    parent = Comment("c1", "a1", "Jake Hall", 1, "The council did well.")
    reply = Comment("c2", "a1", "Dan", 2, "Jake Hall, you're clueless bro", parent_id="c1")
    results = moderator.moderate_many([parent, reply], [article])
    assert results[1].decision.action is Action.FLAG
    assert "personal-attack" in results[1].decision.rule_ids
    assert results[1].comment.depth == 1
    assert results[1].title == "An article"


def test_concurrent_callers_share_model_batches(settings):
    calls = []

    class CountingScorer:
        model_id, labels = "counting@1", ("toxicity",)

        def score(self, texts):  # a model's batch takes time, whatever its size
            calls.append(len(texts))
            time.sleep(0.05)
            return [{"toxicity": 0.1} for _ in texts]

    rules = load_rules(DEFAULT_RULES)
    moderator = Moderator(rules, CountingScorer, "counting@1", batch_wait=0.005)
    barrier = threading.Barrier(20)
    results = [None] * 20

    def client(i: int) -> None:
        barrier.wait()
        results[i] = moderator.moderate(f"comment number {i} from a reader")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.scores.toxicity.labels == {"toxicity": 0.1} for r in results)
    assert sum(calls) == 20
    assert len(calls) <= 3  # twenty callers: those that came while a batch ran share the next
    alone = moderator.moderate("a lone comment")  # nobody else is coming: no wait
    assert alone.scores.toxicity.labels == {"toxicity": 0.1}


def test_a_failing_model_fails_every_waiting_caller_not_hangs(settings):
    class Broken:
        model_id, labels = "broken@1", ("toxicity",)

        def score(self, texts):
            raise RuntimeError("out of memory")

    moderator = Moderator(load_rules(DEFAULT_RULES), Broken, "broken@1")
    try:
        moderator.moderate("anything")
    except RuntimeError as exc:
        assert "out of memory" in str(exc)
    else:
        raise AssertionError("the error did not reach the caller")
    moderator.close()


def test_the_model_loads_while_sentiment_is_scored(settings):
    vader_ran = threading.Event()

    class Slow:
        model_id, labels = "slow@1", ("toxicity",)

        def score(self, texts):
            return [{"toxicity": 0.2} for _ in texts]

    def load_slowly():
        # Loaded first and VADER after, this would wait the whole timeout and fail.
        assert vader_ran.wait(timeout=10), "sentiment waited for the model to load"
        return Slow()

    class Vader:
        model_id, labels = "vader@test", ("compound",)

        def score(self, texts):
            vader_ran.set()
            return [{"compound": 0.0} for _ in texts]

    moderator = Moderator(load_rules(DEFAULT_RULES), load_slowly, "slow@1", sentiment=Vader())
    result = moderator.moderate("a comment to score")
    assert result.scores.toxicity.labels == {"toxicity": 0.2}
    moderator.close()


def test_a_store_that_fails_a_background_write_keeps_the_scores(tiny_settings, capfd):
    store = open_store(tiny_settings.db_url)
    moderator = Moderator.from_settings(tiny_settings, store)
    real_transaction = store.transaction
    failing = threading.Event()
    failing.set()

    def transaction(immediate=False):
        if immediate and failing.is_set():
            raise OSError("disk I/O error")
        return real_transaction(immediate)

    store.transaction = transaction
    moderator.moderate("a comment whose scores are kept for later")
    time.sleep(0.3)  # the background write has failed by now
    failing.clear()
    assert "Traceback" not in capfd.readouterr().err
    moderator.flush()  # the next write has them
    with real_transaction() as connection:
        assert connection.exec_driver_sql("select count(*) from scores").scalar() == 2
    moderator.close()
    store.close()


def test_the_core_decides_as_the_file_run_stored(settings):
    report = score_paths(
        [SEEDS], settings, lambda: open_toxicity_scorer(settings.toxicity),
        options=RunOptions(keep_results=True),
    )  # fmt: skip
    store = open_store(settings.db_url)
    moderator = Moderator.from_settings(settings, store)
    for stored in report.results:
        again = moderator.explain(stored.comment.id)
        assert again.decision.action == stored.decision.action
        assert again.decision.rule_ids == stored.decision.rule_ids
    store.close()


def test_a_store_gives_cached_scores_and_author_history(tiny_settings):
    settings = tiny_settings
    store = open_store(settings.db_url)
    loads = []

    def opener():
        loads.append(1)
        return open_toxicity_scorer(settings.toxicity)

    moderator = Moderator.from_settings(settings, store, opener)
    article = Article("a1", "test", "An article")
    first = Comment("c1", "a1", "Ann", 1, "A first comment with a link https://example.com")
    moderator.record(moderator.moderate_many([first], [article]), [article])
    again = Moderator.from_settings(settings, store, lambda: 1 / 0)  # must not load a model
    result = again.moderate(first, article)
    assert "toxicity" in result.scores.toxicity.labels  # from the store's cache
    assert loads == [1]
    second = Comment("c2", "a1", "Ann", 2, "Another link https://example.com/2")
    newcomer = Comment("c3", "a1", "Bo", 3, "My first link https://example.com/3")
    decided = moderator.moderate_many([second, newcomer], [article])
    assert "first-comment-links" not in decided[0].decision.rule_ids  # Ann was seen before
    assert "first-comment-links" in decided[1].decision.rule_ids
    store.close()


def test_the_readmes_example_runs(monkeypatch, capsys):
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The scoring core in Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "flag ('profanity', 'insult') alt-profanity-check@1.9.1"
    assert "c2 flag" in printed[-1] and "personal-attack" in printed[-1]
