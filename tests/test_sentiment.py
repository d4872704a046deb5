"""Sentiment: VADER as it is for ordinary comments, bounded work for huge ones."""

from __future__ import annotations

import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from moderation.scoring import MAX_READ
from moderation.scoring.sentiment import WINDOW, VaderScorer, windows


def test_ordinary_comments_score_exactly_as_vader_scores_them():
    texts = ["I love this article!", "This is terrible and you are awful.", "x" * WINDOW]
    vader = SentimentIntensityAnalyzer()
    for text, scores in zip(texts, VaderScorer().score(texts), strict=True):
        assert scores == {**vader.polarity_scores(text), "coverage": 1.0}


def test_a_huge_comment_is_scored_in_well_under_a_second():
    sentence = "The council was wrong and I am furious about the terrible budget. "
    huge = sentence * 40_000  # 2.6 MB, over 400,000 words
    started = time.perf_counter()
    [scores] = VaderScorer().score([huge])
    assert time.perf_counter() - started < 1.0
    assert scores["compound"] < -0.5  # the same angry sentence, all the way through
    assert scores["coverage"] == MAX_READ / len(huge)  # what was read, recorded


def test_windows_end_at_sentences_and_lose_nothing():
    text = ("One short sentence here. " * 200) + "word " * 500 + "x" * 2500
    pieces = windows(text, WINDOW)
    assert "".join(pieces) == text
    assert all(len(p) <= WINDOW for p in pieces)
    assert pieces[0].endswith(". ")


def test_a_word_repeated_100000_times_is_listed_briefly(settings):
    from moderation.core import Moderator

    result = Moderator.from_settings(settings).moderate("you idiot " * 100_000)
    [insult] = [m for m in result.decision.matches if m.rule_id == "insult"]
    assert len(insult.spans) == 200  # highlighted: the first ones
    assert insult.reasons[0].endswith("and 2,028 more")  # of those in the 20,480 scored
    held = result.decision.matches[0]
    assert (result.decision.action, held.rule_id) == ("hold", "unreadable-text")
    assert held.reasons == ("1,000,000 characters long: only the first 20,480 were scored",)
    assert len(insult.reasons[0]) < 1000
