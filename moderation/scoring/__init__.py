"""Scorers: each turns texts into labelled scores and names the model that produced them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# Characters of one text any scorer reads (Perspective's limit for a whole comment). Work
# per comment stays bounded whatever its length; a longer comment is held for a human.
MAX_READ = 20_480


class TextScorer(Protocol):
    """Anything that scores texts: one dict of label -> value per text, in order."""

    model_id: str
    labels: Sequence[str]  # every label it gives, as rules spell them after the kind

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]: ...
