"""Quality gate: the shipped rules with the fallback scorer on pinned labelled samples.

Detoxify's weights cannot be had where the tests run, so this measures what any install
gets at the least: the shipped rules over VADER and alt-profanity-check. Floors sit a few
points under what the samples measured when they were set (noted beside each), so a
change to the rules or the matcher that costs quality fails here. See data/eval/README.md.
"""

import csv
import json
from functools import cache

import pytest
from conftest import DATA, DEFAULT_RULES

from moderation.core import Moderator
from moderation.records import Decision
from moderation.rules import load_rules
from moderation.scoring.profanity import ProfanityScorer, profanity_model_id

EVAL = DATA / "eval"


@cache
def decide(texts: tuple[str, ...]) -> list[Decision]:
    # As a run decides: the identity-neutral and de-obfuscated forms are scored too.
    moderator = Moderator(load_rules(DEFAULT_RULES), ProfanityScorer, profanity_model_id())
    return [result.decision for result in moderator.moderate_many(list(texts))]


def rows(name: str) -> list[dict]:
    with (EVAL / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def share_flagged(texts: list[str]) -> float:
    return sum(d.action is not None for d in decide(tuple(texts))) / len(texts)


@pytest.fixture(scope="module")
def toxic_news():
    return rows("toxic_spans_sample.csv")


def test_most_toxic_news_comments_are_flagged(toxic_news):
    # measured 0.572: one insult word in a long comment the model finds civil, and swearing
    # aimed at no one in a cheerful comment or an exclamation, are no longer flagged alone
    assert share_flagged([r["text"] for r in toxic_news]) >= 0.54


def test_highlighted_words_are_the_toxic_ones(toxic_news):
    decisions = decide(tuple(r["text"] for r in toxic_news))
    hits = total = 0
    for row, decision in zip(toxic_news, decisions, strict=True):
        gold = set(json.loads(row["spans"]))
        # As moderators see them: shadow rules' matches are not highlighted.
        for span in (s for m in decision.matches if not m.shadow for s in m.spans):
            total += 1
            hits += bool(gold & set(range(span.start, span.end)))
    assert total >= 130  # measured 145 highlights
    assert hits / total >= 0.80  # measured 0.855


def test_hate_speech_is_flagged():
    hate = [r["tweet"] for r in rows("davidson_sample.csv") if r["class"] == "0"]
    assert share_flagged(hate) >= 0.80  # measured 0.86


def test_ordinary_text_is_rarely_flagged():
    neither = [r["tweet"] for r in rows("davidson_sample.csv") if r["class"] == "2"]
    assert share_flagged(neither) <= 0.10  # measured 0.067
