"""Sentiment with VADER: neg, neu, pos and compound for each text."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version
from typing import Any


class VaderScorer:
    """VADER's lexicon scorer; the lexicon loads on first use."""

    labels = ("neg", "neu", "pos", "compound")

    def __init__(self) -> None:
        self.model_id = f"vader@{version('vaderSentiment')}"

    @cached_property
    def _analyzer(self) -> Any:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """neg/neu/pos/compound for each text, in order."""
        analyzer = self._analyzer
        return [analyzer.polarity_scores(text) for text in texts]
