"""Toxicity with Detoxify, batched for speed, with alt-profanity-check as the fallback.

Texts are tokenised once, sorted by length and batched under a padded-token budget, so a
batch pads to its own longest comment rather than to the longest of an arbitrary chunk.
Comments longer than the model's window are scored in overlapping windows and take the
highest score of any window, instead of being silently cut off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from moderation.errors import ModelError
from moderation.scoring import MAX_READ, TextScorer
from moderation.scoring.profanity import ProfanityScorer
from moderation.scoring.quantized import int8_classifier
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
_MAX_WINDOW = 512
_WINDOW_OVERLAP = 128
_MAX_PADDING = 1.1  # a batch's longest window is at most this many times its shortest
PRECISIONS = ("fp32", "bf16", "int8")
# A faster precision is used only if no label moves by more than this on calibration texts,
FAITHFUL_BOUND = 0.05
# and only if it scores them at least this many times faster than fp32.
MIN_SPEEDUP = 1.0
_SLOW_HINTS = {
    "bf16": "; bf16 needs a CPU or GPU that computes in it natively",
    "int8": "; int8 pays on CPUs with int8 instructions (AVX2 or better)",
}
CALIBRATION = (
    "Thanks for the clear reporting, the passenger numbers help.",
    "You are an idiot and everyone here knows it.",
    "I disagree with the editorial, but it is well argued.",
    "Typical council. Idiots, the lot of them.",
    "Shut up, nobody asked for your stupid opinion.",
    "The regulator extended the deadline by a month, which seems sensible.",
    "People like you should be thrown out of this country.",
    "What a load of garbage, the writer clearly knows nothing about phones.",
    "I will find you and make you regret this.",
    "Great article! I learned a lot about enterprise servers today.",
    "This is a fucking disgrace and you are all complicit.",
    "Could you share the source for the 5,000 users figure?",
)


class DetoxifyScorer:
    """A loaded Detoxify model that scores texts in length-sorted batches."""

    def __init__(self, detoxify: Any, model_id: str, settings: ToxicitySettings) -> None:
        self.model_id = model_id
        self._detoxify = detoxify  # the Detoxify object itself, for comparisons with its predict()
        self._model = detoxify.model.eval()
        self._tokenizer = detoxify.tokenizer
        self.labels = tuple(_LABEL_NAMES.get(name, name) for name in detoxify.class_names)
        self._device = settings.device
        self._batch_tokens = settings.batch_tokens
        limits = (
            _MAX_WINDOW,
            self._tokenizer.model_max_length,
            self._model.config.max_position_embeddings,
        )
        self._window = min(limits)
        self.windowed_texts = 0  # how many texts were too long for one window
        self.faithfulness: float | None = None  # largest difference from fp32, for fast precisions

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Every label the model produces, for each text, in order."""
        import torch

        if not texts:
            return []
        windows, owners = self._windows(texts)
        probabilities = [None] * len(windows)
        with torch.inference_mode():
            for batch in self._batches(windows):
                padded = self._tokenizer.pad(
                    {"input_ids": [windows[i] for i in batch]}, return_tensors="pt"
                ).to(self._device)
                logits = self._model(**padded).logits
                for i, row in zip(batch, torch.sigmoid(logits).float().cpu().tolist(), strict=True):
                    probabilities[i] = row
        best: list[list[float] | None] = [None] * len(texts)
        for owner, row in zip(owners, probabilities, strict=True):
            previous = best[owner]
            best[owner] = (
                row if previous is None else [max(a, b) for a, b in zip(previous, row, strict=True)]
            )
        return [dict(zip(self.labels, row, strict=True)) for row in best]

    def _windows(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        encoded = self._tokenizer(
            [text[:MAX_READ] for text in texts],  # bounded work; longer comments go to a human
            truncation=True,
            max_length=self._window,
            stride=min(_WINDOW_OVERLAP, self._window // 4),
            return_overflowing_tokens=True,
        )
        owners = list(encoded["overflow_to_sample_mapping"])
        self.windowed_texts += sum(1 for n in Counter(owners).values() if n > 1)
        return encoded["input_ids"], owners

    def _batches(self, windows: list[list[int]]) -> list[list[int]]:
        """Window indices grouped shortest first, each group under the padded-token budget."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            # Sorted ascending, so this window is the longest in the batch it would join.
            # Padding is wasted work: a window much longer than the batch's shortest
            # starts a batch of its own (with few texts, as live requests bring, most
            # batches are then of one text).
            if current and (
                (len(current) + 1) * len(windows[i]) > self._batch_tokens
                or len(windows[i]) > _MAX_PADDING * len(windows[current[0]])
            ):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches


def open_toxicity_scorer(settings: ToxicitySettings) -> TextScorer:
    """Detoxify as configured; alt-profanity-check, with a warning, if its weights cannot be had."""
    try:
        return load_detoxify(settings)
    except _WeightsUnavailable as exc:
        if not settings.fallback:
            raise ModelError(
                f"{exc} Set toxicity.fallback = true to score with alt-profanity-check."
            ) from None
        scorer = ProfanityScorer()
        logger.warning(
            "%s Scoring toxicity with %s instead: one 'profanity' label, so rules on Detoxify "
            "labels cannot match. To use Detoxify, run once with internet access (it downloads "
            "about %s), or pass --checkpoint FILE --config-dir DIR.",
            exc,
            scorer.model_id,
            DOWNLOAD_SIZES[settings.model],
        )
        return scorer


def expected_model_id(settings: ToxicitySettings) -> str:
    """The id Detoxify's scores will carry, known without loading it (for the score cache)."""
    if settings.checkpoint is not None and settings.checkpoint.is_file():
        base = f"detoxify-local:{settings.checkpoint.name}#{_fingerprint(settings.checkpoint)}"
    else:
        base = f"detoxify-{settings.model}@{version('detoxify')}"
    return base if settings.precision == "fp32" else f"{base}+{settings.precision}"


def load_detoxify(settings: ToxicitySettings) -> DetoxifyScorer:
    """Load Detoxify once: from a local checkpoint if one is set, else by model name."""
    import torch
    import transformers

    transformers.logging.disable_progress_bar()
    _check_device(settings.device)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    if settings.precision not in PRECISIONS:
        raise ModelError(
            f"precision must be one of {', '.join(PRECISIONS)}, not {settings.precision!r}"
        )
    if settings.checkpoint is not None:
        detoxify = _load_local(settings)
        model_id = f"detoxify-local:{settings.checkpoint.name}#{_fingerprint(settings.checkpoint)}"
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
        model_id = f"detoxify-{settings.model}@{version('detoxify')}"
    detoxify.model.to(settings.device)
    scorer = DetoxifyScorer(detoxify, model_id, settings)
    return _faster(scorer, detoxify, settings) if settings.precision != "fp32" else scorer


def _faster(reference: DetoxifyScorer, detoxify: Any, settings: ToxicitySettings) -> DetoxifyScorer:
    """The model in bf16 or int8 if it stays faithful to fp32 and is faster here, else fp32."""
    import copy
    import warnings

    import torch

    fast = copy.copy(detoxify)
    if settings.precision == "bf16":
        fast.model = copy.deepcopy(detoxify.model).to(torch.bfloat16)
    elif torch.device(settings.device).type != "cpu":
        raise ModelError("precision int8 is the CPU fast path; on a GPU use bf16")
    else:
        fast.model = int8_classifier(
            detoxify.model, detoxify.tokenizer, reference.model_id, settings.cache_dir, settings.threads
        )  # fmt: skip
    candidate = DetoxifyScorer(fast, f"{reference.model_id}+{settings.precision}", settings)
    expected, fp32_seconds = _calibrate(reference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, seconds = _calibrate(candidate)
    worst = max(abs(e[label] - g[label]) for e, g in zip(expected, got, strict=True) for label in e)
    candidate.faithfulness = reference.faithfulness = worst
    if worst > FAITHFUL_BOUND:
        logger.warning(
            "%s scores differ from fp32 by up to %.3f on calibration texts (bound %.2f): scoring in fp32.",
            settings.precision, worst, FAITHFUL_BOUND,
        )  # fmt: skip
        return reference
    if seconds * MIN_SPEEDUP > fp32_seconds:
        logger.warning(
            "%s is not faster than fp32 on this machine (%.2f s against %.2f s on calibration "
            "texts%s): scoring in fp32.",
            settings.precision, seconds, fp32_seconds, _SLOW_HINTS[settings.precision],
        )  # fmt: skip
        return reference
    logger.info(
        "%s: largest difference from fp32 on calibration texts %.4f", settings.precision, worst
    )
    return candidate


def _calibrate(scorer: DetoxifyScorer) -> tuple[list[dict[str, float]], float]:
    """Scores of the calibration texts, and the time of a second, warmed-up pass."""
    scores = scorer.score(CALIBRATION)
    started = time.perf_counter()
    scorer.score(CALIBRATION)
    return scores, time.perf_counter() - started


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
