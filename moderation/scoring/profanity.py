"""The fallback toxicity scorer: alt-profanity-check, whose model ships inside its package."""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from moderation.scoring import MAX_READ

logger = logging.getLogger(__name__)

LABEL = "profanity"
_FORMAT = 1  # of the kept form; a new one is made when this changes


def profanity_model_id() -> str:
    """The id of alt-profanity-check's scores, known without loading it."""
    return f"alt-profanity-check@{version('alt-profanity-check')}"


class ProfanityScorer:
    """One label, `profanity`: the probability that a text is offensive.

    The package's model is a TF-IDF vectoriser and sigmoid-calibrated linear SVMs. Loading
    it imports scikit-learn, about 2 s: most of an offline run of one comment. So the model
    is read once, kept in `cache_dir` as its vocabulary and coefficients, and later runs
    score from those with numpy alone: the same arithmetic (a test holds it to the
    package's own probabilities), without the import.
    """

    labels = (LABEL,)

    def __init__(self, cache_dir: Path | None = None) -> None:
        # Texts are read up to MAX_READ characters. The id stays: only longer texts score
        # differently, and those are held for a human whatever their scores.
        self.model_id = profanity_model_id()
        kept = _kept_path(cache_dir, self.model_id) if cache_dir else None
        self._predict = _load_kept(kept) if kept else None
        if self._predict is None:
            self._predict = _from_package(kept)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """The profanity probability of each text, in order."""
        if not texts:
            return []
        return [{LABEL: float(p)} for p in self._predict([text[:MAX_READ] for text in texts])]


def _from_package(kept: Path | None) -> Callable[[list[str]], Any]:
    """The package's model; kept as arrays at `kept` when it has the expected shape."""
    from profanity_check import profanity_check as package  # loads its bundled model once

    form = _linear_form(package.vectorizer, package.model)
    if form is None:  # a model of another shape (a new package version): the package scores
        return package.predict_prob
    if kept is not None:
        _keep(kept, form)
    return _predictor(form)


def _linear_form(vectorizer: Any, model: Any) -> dict | None:
    """The vectoriser and model as plain arrays, or None for a model of another shape.

    The model is sigmoid-calibrated linear SVMs averaged, over TF-IDF with l2 norm; the
    arithmetic is small, so `_predictor` does it with the model's own numbers.
    """
    import numpy as np

    try:
        members = model.calibrated_classifiers_
        params = vectorizer.get_params()
        same_shape = (
            all(len(m.calibrators) == 1 and type(m.calibrators[0]).__name__ == "_SigmoidCalibration"
                for m in members)
            and len(model.classes_) == 2
            and params["analyzer"] == "word" and params["ngram_range"] == (1, 1)
            and params["lowercase"] and params["strip_accents"] is None
            and params["preprocessor"] is None and params["tokenizer"] is None
            and params["norm"] == "l2" and params["use_idf"] and not params["sublinear_tf"]
            and not params["binary"]
        )  # fmt: skip
        if not same_shape:
            return None
        words = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        return {
            "words": words,
            "stop_words": sorted(vectorizer.get_stop_words() or ()),
            "token_pattern": params["token_pattern"],
            "idf": np.asarray(vectorizer.idf_, dtype=np.float64),
            "weights": np.vstack([np.asarray(m.estimator.coef_).ravel() for m in members]),
            "intercepts": np.array([float(np.ravel(m.estimator.intercept_)[0]) for m in members]),
            "slopes": np.array([float(m.calibrators[0].a_) for m in members]),
            "offsets": np.array([float(m.calibrators[0].b_) for m in members]),
        }
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None


def _predictor(form: dict) -> Callable[[list[str]], Any]:
    """Scores from the arrays: TF-IDF, l2 norm, each SVM's decision, its sigmoid, the mean."""
    import numpy as np

    index = {word: i for i, word in enumerate(form["words"])}
    stop = frozenset(form["stop_words"])
    tokens = re.compile(form["token_pattern"]).findall
    idf = form["idf"]
    weights = form["weights"] * idf  # (members, words): idf folded in once
    intercepts, slopes, offsets = form["intercepts"], form["slopes"], form["offsets"]

    def predict(texts: list[str]) -> Any:
        decisions = np.empty((len(texts), len(intercepts)))
        for row, text in enumerate(texts):
            counts = Counter(index[t] for t in tokens(text.lower()) if t not in stop and t in index)
            if not counts:
                decisions[row] = 0.0
                continue
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            norm = np.sqrt(np.sum((values * idf[columns]) ** 2))
            decisions[row] = weights[:, columns] @ values / norm
        decisions += intercepts
        return (1.0 / (1.0 + np.exp(slopes * decisions + offsets))).mean(axis=1)

    return predict


def _kept_path(cache_dir: Path, model_id: str) -> Path:
    return cache_dir / f"{model_id.replace('/', '_')}.fallback.npz"


def _keep(path: Path, form: dict) -> None:
    """Write the arrays whole or not at all (a run killed while writing leaves no half file)."""
    import numpy as np

    meta = {key: form[key] for key in ("words", "stop_words", "token_pattern")}
    arrays = {key: form[key] for key in ("idf", "weights", "intercepts", "slopes", "offsets")}
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as stream:
            np.savez(stream, meta=np.array(json.dumps({"format": _FORMAT, **meta})), **arrays)
        os.replace(temporary, path)
    except OSError as exc:  # a cache that cannot be written only costs the next run time
        logger.debug("could not keep the fallback model at %s: %s", path, exc)
        temporary.unlink(missing_ok=True)


def _load_kept(path: Path) -> Callable[[list[str]], Any] | None:
    """The kept form's predictor, or None if there is none (or it is unreadable)."""
    if not path.is_file():
        return None
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as kept:
            meta = json.loads(str(kept["meta"]))
            if meta.get("format") != _FORMAT:
                return None
            form = meta | {key: kept[key] for key in kept.files if key != "meta"}
        return _predictor(form)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.debug("the kept fallback model at %s cannot be read: %s", path, exc)
        return None
