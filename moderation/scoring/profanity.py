"""The fallback toxicity scorer: alt-profanity-check, whose model ships inside its package."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from moderation.scoring import MAX_READ

LABEL = "profanity"


def profanity_model_id() -> str:
    """The id of alt-profanity-check's scores, known without loading it."""
    return f"alt-profanity-check@{version('alt-profanity-check')}"


class ProfanityScorer:
    """One label, `profanity`: the probability that a text is offensive."""

    labels = (LABEL,)

    def __init__(self) -> None:
        from profanity_check import profanity_check as package  # loads its bundled model once

        self._vectorizer = package.vectorizer
        self._predict_prob = package.predict_prob
        self._linear = _linear_form(package.model)
        # Texts are read up to MAX_READ characters. The id stays: only longer texts score
        # differently, and those are held for a human whatever their scores.
        self.model_id = profanity_model_id()

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """The profanity probability of each text, in order."""
        if not texts:
            return []
        read = [text[:MAX_READ] for text in texts]
        if self._linear is None:
            probabilities = self._predict_prob(read)
        else:
            probabilities = self._linear(self._vectorizer.transform(read))
        return [{LABEL: float(p)} for p in probabilities]


def _linear_form(model: Any):
    """The package's model (sigmoid-calibrated linear SVMs, averaged) as one matrix product.

    scikit-learn's predict_proba spends about 8 ms a call validating its input five times
    over, whatever the number of texts: most of a live request's time. The arithmetic is
    small, so it is done here, with the model's own coefficients; a model of any other
    shape (a new package version) goes through predict_prob as before.
    """
    import numpy as np
    from scipy.special import expit

    try:
        members = model.calibrated_classifiers_
        weights = np.vstack([np.asarray(m.estimator.coef_).ravel() for m in members])
        intercepts = np.array([float(np.ravel(m.estimator.intercept_)[0]) for m in members])
        slopes = np.array([float(m.calibrators[0].a_) for m in members])
        offsets = np.array([float(m.calibrators[0].b_) for m in members])
        binary = (
            all(
                len(m.calibrators) == 1 and type(m.calibrators[0]).__name__ == "_SigmoidCalibration"
                for m in members
            )
            and len(model.classes_) == 2
        )
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    if not binary:
        return None

    def predict(features) -> Any:
        decisions = features @ weights.T + intercepts
        return expit(-(slopes * decisions + offsets)).mean(axis=1)

    return predict
