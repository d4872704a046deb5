"""The fallback toxicity scorer: alt-profanity-check, whose model ships inside its package."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

LABEL = "profanity"


class ProfanityScorer:
    """One label, `profanity`: the probability that a text is offensive."""

    labels = (LABEL,)

    def __init__(self) -> None:
        from profanity_check import predict_prob  # loads its bundled model once

        self._predict_prob = predict_prob
        self.model_id = f"alt-profanity-check@{version('alt-profanity-check')}"

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """The profanity probability of each text, in order."""
        if not texts:
            return []
        return [{LABEL: float(p)} for p in self._predict_prob(list(texts))]
