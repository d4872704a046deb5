"""Sentiment with VADER: neg, neu, pos and compound for each text, and how much was read.

VADER's cost grows with the square of a text's length (1.5 s at 5,000 words, minutes at
40,000), and one long comment would stall a run or a live server. A text longer than
WINDOW characters is read in windows that end at sentence (or word) boundaries, each
scored on its own and averaged by length; past MAX_READ characters the rest is not read,
and `coverage` says what share was. Texts up to WINDOW characters score exactly as VADER
scores them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version
from typing import Any

from moderation.scoring import MAX_READ

WINDOW = 1000  # characters VADER reads at once
_PARTS = ("neg", "neu", "pos", "compound")
_SENTENCE_END = re.compile(r"[.!?\n]\s")


class VaderScorer:
    """VADER's lexicon scorer, in windows for long texts; the lexicon loads on first use."""

    labels = (*_PARTS, "coverage")

    def __init__(self) -> None:
        # The windows are part of how scores are made: scores from whole-text VADER of
        # long texts, kept in a store, are never mixed with these.
        self.model_id = f"vader@{version('vaderSentiment')}+w{WINDOW}"

    @cached_property
    def _analyzer(self) -> Any:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """neg/neu/pos/compound and coverage for each text, in order."""
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> dict[str, float]:
        analyzer = self._analyzer
        if len(text) <= WINDOW:
            return {**analyzer.polarity_scores(text), "coverage": 1.0}
        read = text[:MAX_READ]
        parts = windows(read, WINDOW)
        scores = [analyzer.polarity_scores(part) for part in parts]
        total = sum(len(part) for part in parts)
        combined = {
            name: sum(s[name] * len(part) for s, part in zip(scores, parts, strict=True)) / total
            for name in _PARTS
        }
        return {**combined, "coverage": len(read) / len(text)}


def windows(text: str, size: int) -> list[str]:
    """The text cut into pieces of at most `size` characters, at a sentence end where one
    falls in a piece's second half, else at a space, else wherever the size ends."""
    pieces, start = [], 0
    while len(text) - start > size:
        piece = text[start : start + size]
        ends = [m.end() for m in _SENTENCE_END.finditer(piece) if m.end() > size // 2]
        cut = ends[-1] if ends else (piece.rfind(" ") + 1 if piece.rfind(" ") > size // 2 else size)
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return [p for p in pieces if p.strip()] or [text[:size]]
