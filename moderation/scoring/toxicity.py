"""Toxicity with Detoxify, batched for speed, with alt-profanity-check as the fallback.

Texts are tokenised once, sorted by length and batched under a padded-token budget, so a
batch pads to its own longest comment rather than to the longest of an arbitrary chunk.
Comments longer than the model's window are scored in overlapping windows and take the
highest score of any window, instead of being silently cut off (`windows`).

The precision is the fastest one that stays faithful to fp32 on this machine, measured
once and kept (`precision`); a kept int8 model loads in under a second without PyTorch
(`quantized`), so a run's fixed cost before the first scored comment is small.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from moderation.errors import ModelError
from moderation.scoring import TextScorer, precision, weights
from moderation.scoring.profanity import ProfanityScorer, profanity_model_id
from moderation.scoring.quantized import OnnxClassifier, int8_classifier, kept_paths
from moderation.scoring.windows import MAX_WINDOW, Windows
from moderation.settings import ToxicitySettings

logger = logging.getLogger(__name__)

# Checkpoint size users download once, by model, for the message on first use.
DOWNLOAD_SIZES = {
    "original": "420 MB",
    "unbiased": "480 MB",
    "multilingual": "1.1 GB",
    "original-small": "45 MB",
    "unbiased-small": "45 MB",
}
# Detoxify's own renames, so labels read the same whichever checkpoint produced them.
_LABEL_NAMES = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}


class TorchClassifier:
    """A PyTorch model on its device that turns a padded batch of token ids into logits."""

    def __init__(self, model: Any, device: str) -> None:
        self._model = model.eval()
        self._device = device

    def __call__(self, ids: Any, mask: Any) -> Any:
        """Logits (a numpy array) for int64 arrays of token ids and attention mask."""
        import torch

        with torch.inference_mode():
            logits = self._model(
                input_ids=torch.from_numpy(ids).to(self._device),
                attention_mask=torch.from_numpy(mask).to(self._device),
            ).logits
        return logits.float().cpu().numpy()


class DetoxifyScorer:
    """A Detoxify model that scores texts in length-sorted batches, long ones in windows."""

    def __init__(
        self,
        classifier: Callable[[Any, Any], Any],
        windows: Windows,
        labels: Sequence[str],
        model_id: str,
        batch_tokens: int,
    ) -> None:
        self.model_id = model_id
        self.labels = tuple(labels)
        self._classifier = classifier
        self._windows = windows
        self._batch_tokens = batch_tokens
        self.windowed_texts = 0  # how many texts were too long for one window
        self.choice = "fp32"  # the precision and why, for the run summary
        self.faithfulness: float | None = None  # largest difference from fp32, for fast precisions

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Every label the model produces, for each text, in order."""
        import numpy

        if not texts:
            return []
        windows, owners = self._windows.split(texts)
        self.windowed_texts += sum(1 for n in Counter(owners).values() if n > 1)
        probabilities: list[list[float] | None] = [None] * len(windows)
        for batch in self._windows.batches(windows, self._batch_tokens):
            logits = self._classifier(*self._windows.pad([windows[i] for i in batch]))
            rows = (1.0 / (1.0 + numpy.exp(-logits))).tolist()
            for i, row in zip(batch, rows, strict=True):
                probabilities[i] = row
        best: list[list[float] | None] = [None] * len(texts)
        for owner, row in zip(owners, probabilities, strict=True):
            previous = best[owner]
            best[owner] = (
                row if previous is None else [max(a, b) for a, b in zip(previous, row, strict=True)]
            )
        return [dict(zip(self.labels, row, strict=True)) for row in best]


def open_toxicity_scorer(settings: ToxicitySettings) -> TextScorer:
    """Detoxify as configured; alt-profanity-check, with a warning, if its weights cannot be
    had. A failed download is remembered for a day, so offline runs do not try every time."""
    base = base_model_id(settings)
    if settings.fallback and (reason := weights.unavailable(settings.cache_dir, base)):
        return _fallback(settings, f"{reason}.")
    try:
        return load_detoxify(settings)
    except _WeightsUnavailable as exc:
        if not settings.fallback:
            raise ModelError(
                f"{exc} Set toxicity.fallback = true to score with alt-profanity-check."
            ) from None
        weights.remember_unavailable(settings.cache_dir, base, str(exc))
        return _fallback(settings, str(exc))


def fetch_weights(settings: ToxicitySettings) -> DetoxifyScorer:
    """Download the configured model now (even if a download failed lately), prepare its
    fastest faithful precision here, and return it."""
    try:
        scorer = load_detoxify(settings)
    except _WeightsUnavailable as exc:
        weights.remember_unavailable(settings.cache_dir, base_model_id(settings), str(exc))
        raise ModelError(str(exc)) from None
    weights.forget_unavailable(settings.cache_dir, base_model_id(settings))
    return scorer


def _fallback(settings: ToxicitySettings, why: str) -> ProfanityScorer:
    scorer = ProfanityScorer(settings.cache_dir)
    logger.warning(
        "%s Scoring toxicity with %s instead: one 'profanity' label, so rules on Detoxify "
        "labels cannot match. To use Detoxify, run `moderation models fetch` once with "
        "internet access (it downloads about %s), or pass --checkpoint FILE --config-dir DIR.",
        why,
        scorer.model_id,
        DOWNLOAD_SIZES.get(settings.model, "a few hundred MB"),
    )
    return scorer


def base_model_id(settings: ToxicitySettings) -> str:
    """The id of the configured model in fp32, known without loading it."""
    if settings.checkpoint is not None and settings.checkpoint.is_file():
        return f"detoxify-local:{settings.checkpoint.name}#{_fingerprint(settings.checkpoint)}"
    return f"detoxify-{settings.model}@{version('detoxify')}"


def expected_model_id(settings: ToxicitySettings) -> str:
    """The id Detoxify's scores will carry, known without loading it (for the score cache):
    the precision comes from the kept calibration, or is the one asked for."""
    base = base_model_id(settings)
    if settings.fallback and weights.unavailable(settings.cache_dir, base):
        return profanity_model_id()  # what open_toxicity_scorer will give
    if settings.precision == "fp32":
        return base
    kept = _kept_calibration(base, settings)
    if kept is not None and all(p in kept.trials for p in precision.wanted(settings)):
        return _with_precision(base, _chosen(kept, settings))
    return base if settings.precision == "auto" else _with_precision(base, settings.precision)


def load_detoxify(settings: ToxicitySettings) -> DetoxifyScorer:
    """Detoxify in the fastest faithful precision: kept int8 models load without PyTorch;
    otherwise the model loads from a local checkpoint if one is set, else by name, and
    precisions not yet measured on this machine are calibrated once."""
    if settings.precision not in precision.PRECISIONS:
        raise ModelError(
            f"precision must be one of {', '.join(precision.PRECISIONS)}, not {settings.precision!r}"
        )
    _check_device(settings.device)
    base = base_model_id(settings)
    wanted = precision.wanted(settings)
    kept = _kept_calibration(base, settings) if wanted else None
    chosen = None  # known here only if every wanted precision was measured on this machine
    if kept is not None and all(p in kept.trials for p in wanted):
        chosen = _chosen(kept, settings, warn=True)
        if chosen == "int8" and (scorer := _kept_int8(base, kept, settings)) is not None:
            return scorer
    detoxify = load_torch_detoxify(settings)
    reference = _scorer(TorchClassifier(detoxify.model, settings.device), detoxify, base, settings)
    if not wanted:
        return reference
    if chosen is None:
        calibration = _calibrate(reference, detoxify, kept, wanted, settings)
        chosen = _chosen(calibration, settings, warn=True)
    else:
        calibration = kept
    scorer = (
        reference if chosen == "fp32" else _scorer(_classifier(chosen, detoxify, base, settings),
                                                   detoxify, _with_precision(base, chosen), settings)
    )  # fmt: skip
    scorer.choice = calibration.describe(chosen, settings.precision)
    scorer.faithfulness = calibration.trials[chosen].difference if chosen != "fp32" else None
    return scorer


def load_torch_detoxify(settings: ToxicitySettings) -> Any:
    """The Detoxify object in fp32 (PyTorch) on its device."""
    import torch
    import transformers

    transformers.logging.disable_progress_bar()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    if settings.checkpoint is not None:
        detoxify = _load_local(settings)
    else:
        from detoxify import Detoxify

        try:
            # torch.hub reports its download on stdout, which is for results (--json): move it.
            with contextlib.redirect_stdout(sys.stderr):
                detoxify = Detoxify(settings.model, device=settings.device)
        except OSError as exc:  # the download failed: no network, proxy, or hub refused
            raise _WeightsUnavailable(
                f"Detoxify '{settings.model}' weights could not be downloaded ({exc})."
            ) from None
    detoxify.model.to(settings.device)
    return detoxify


def _scorer(
    classifier: Any, detoxify: Any, model_id: str, settings: ToxicitySettings
) -> DetoxifyScorer:
    tokenizer = detoxify.tokenizer
    window = min(
        MAX_WINDOW, tokenizer.model_max_length, detoxify.model.config.max_position_embeddings
    )
    windows = Windows(_backend(tokenizer), window, tokenizer.pad_token_id)
    labels = [_LABEL_NAMES.get(name, name) for name in detoxify.class_names]
    return DetoxifyScorer(classifier, windows, labels, model_id, settings.batch_tokens)


def _backend(tokenizer: Any) -> Any:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ModelError(f"{type(tokenizer).__name__}: a tokenizer without a fast (Rust) version")
    return backend


def _classifier(chosen: str, detoxify: Any, base: str, settings: ToxicitySettings) -> Any:
    """The model in a faster precision: int8 on ONNX Runtime, or a bf16 / fp16 copy."""
    import copy

    import torch

    if chosen == "int8":
        if torch.device(settings.device).type != "cpu":
            raise ModelError("precision int8 is the CPU fast path; on a GPU use bf16 or fp16")
        return int8_classifier(
            detoxify.model, detoxify.tokenizer, base, settings.cache_dir, settings.threads
        )
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[chosen]
    return TorchClassifier(copy.deepcopy(detoxify.model).to(dtype), settings.device)


def _calibrate(
    reference: DetoxifyScorer,
    detoxify: Any,
    kept: precision.Calibration | None,
    wanted: list[str],
    settings: ToxicitySettings,
) -> precision.Calibration:
    """Measure the wanted precisions not yet measured here against fp32, and keep the results."""
    import warnings

    windows = reference._windows
    calibration = kept or precision.Calibration(
        list(reference.labels), windows.window, windows.pad_id
    )
    missing = [p for p in wanted if p not in calibration.trials]
    expected, calibration.fp32_seconds = precision.measure(reference.score)
    for name in missing:
        candidate = _scorer(_classifier(name, detoxify, reference.model_id, settings), detoxify,
                            _with_precision(reference.model_id, name), settings)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got, seconds = precision.measure(candidate.score)
        calibration.trials[name] = precision.trial(expected, got, seconds)
        del candidate  # one model in a faster precision at a time
    calibration.measured = precision.now()
    precision.Calibrations(settings.cache_dir).put(
        precision.machine_key(reference.model_id, settings), calibration
    )
    return calibration


def _chosen(
    calibration: precision.Calibration, settings: ToxicitySettings, warn: bool = False
) -> str:
    if settings.precision == "auto":
        return calibration.choose(precision.candidates(settings.device))
    refusal = calibration.refusal(settings.precision)
    if refusal is None:
        return settings.precision
    if warn:
        logger.warning("%s: scoring in fp32.", refusal)
    return "fp32"


def _kept_int8(
    base: str, kept: precision.Calibration, settings: ToxicitySettings
) -> DetoxifyScorer | None:
    """The kept int8 model and tokenizer, loaded without PyTorch; None if either is missing."""
    from tokenizers import Tokenizer

    model_path, tokenizer_path = kept_paths(settings.cache_dir, base)
    if not (model_path.is_file() and tokenizer_path.is_file()):
        return None
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
    except Exception as exc:  # the tokenizers library raises Exception itself
        raise ModelError(
            f"{tokenizer_path}: not a usable tokenizer ({exc}); delete it and it is prepared again"
        ) from None
    windows = Windows(tokenizer, kept.window, kept.pad_id)
    classifier = OnnxClassifier(model_path, settings.threads)
    scorer = DetoxifyScorer(classifier, windows, kept.labels, _with_precision(base, "int8"),
                            settings.batch_tokens)  # fmt: skip
    scorer.choice = kept.describe("int8", settings.precision)
    scorer.faithfulness = kept.trials["int8"].difference
    return scorer


def _kept_calibration(base: str, settings: ToxicitySettings) -> precision.Calibration | None:
    return precision.Calibrations(settings.cache_dir).get(precision.machine_key(base, settings))


def _with_precision(base: str, chosen: str) -> str:
    return base if chosen == "fp32" else f"{base}+{chosen}"


def _load_local(settings: ToxicitySettings) -> Any:
    """A Detoxify object from a checkpoint file, with no network when a config folder is given."""
    import torch
    from detoxify import Detoxify
    from detoxify.detoxify import get_model_and_tokenizer

    checkpoint, config_dir = settings.checkpoint, settings.config_dir
    if not checkpoint.is_file():
        raise ModelError(f"{checkpoint}: no such checkpoint file")
    if config_dir is None:
        try:
            return Detoxify(checkpoint=str(checkpoint), device=settings.device)
        except OSError as exc:
            raise _WeightsUnavailable(
                f"{checkpoint}: its base model's config could not be downloaded ({exc}); "
                "pass --config-dir with the config and tokenizer files."
            ) from None
    try:
        loaded = torch.load(checkpoint, map_location=settings.device, weights_only=False)
        arch = dict(loaded["config"]["arch"]["args"])
        classes = loaded["config"]["dataset"]["args"]["classes"]
    except (KeyError, TypeError, RuntimeError, EOFError) as exc:
        raise ModelError(f"{checkpoint}: not a Detoxify checkpoint ({exc})") from None
    # Detoxify's loader asks the hub for the base model's config (arch.model_type) even when
    # given a local config folder, and then uses the local one. Naming the folder as the base
    # model keeps an offline machine off the network.
    arch["model_type"] = str(config_dir)
    try:
        model, tokenizer = get_model_and_tokenizer(
            **arch, state_dict=loaded["state_dict"], huggingface_config_path=str(config_dir)
        )
    except OSError as exc:
        raise ModelError(f"{config_dir}: config or tokenizer files missing ({exc})") from None
    detoxify = Detoxify.__new__(Detoxify)
    detoxify.model, detoxify.tokenizer, detoxify.class_names = model, tokenizer, classes
    detoxify.device = settings.device
    return detoxify


def _check_device(device: str) -> None:
    if device == "cpu":
        return  # nothing to check, and the int8 path need not import PyTorch (2 s)
    import torch

    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ModelError(
            f"device {device!r} is not one PyTorch knows (cpu, cuda, cuda:1, ...)"
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ModelError(f"device {device!r}: no CUDA GPU is available here; use --device cpu")


def _fingerprint(path: Path) -> str:
    """Size and first MiB: tells checkpoints apart without reading half a gigabyte."""
    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with path.open("rb") as stream:
        digest.update(stream.read(1 << 20))
    return digest.hexdigest()[:12]


class _WeightsUnavailable(Exception):
    """Detoxify's weights or base config cannot be fetched from here."""
