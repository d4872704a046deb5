"""Scorers: each turns texts into labelled scores and names the model that produced them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class TextScorer(Protocol):
    """Anything that scores texts: one dict of label -> value per text, in order."""

    model_id: str
    labels: Sequence[str]  # every label it gives, as rules spell them after the kind

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]: ...
