"""Which precision scores toxicity: the fastest one faithful to fp32, measured once per machine.

A faster precision (int8 on ONNX Runtime, bf16 or fp16) is used only if no label moves by
more than FAITHFUL_BOUND from fp32 on calibration texts, and only if it scores them faster
here. What calibration measured is kept in the cache folder under a key made of the model
and the machine (CPU, its instruction sets, threads, device, library versions), so it runs
once, and later runs know their precision, and so their model id, before loading anything.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from moderation.settings import ToxicitySettings

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "int8", "bf16", "fp16")
# A faster precision is used only if no label moves by more than this on calibration texts,
FAITHFUL_BOUND = 0.05
# and only if it scores them at least this many times faster than fp32.
MIN_SPEEDUP = 1.0
# CPU instruction sets that decide which precision is fastest.
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
_SLOW_HINTS = {
    "bf16": "; bf16 needs a CPU or GPU that computes in it natively",
    "fp16": "; fp16 pays on GPUs",
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


@dataclass
class Trial:
    """A precision measured against fp32 on the calibration texts."""

    difference: float  # the largest difference of any label from fp32
    seconds: float


@dataclass
class Calibration:
    """What was measured of one model on one machine, and the model facts scoring needs."""

    labels: list[str]
    window: int
    pad_id: int
    fp32_seconds: float = 0.0
    trials: dict[str, Trial] = field(default_factory=dict)
    measured: str = ""  # when, ISO 8601

    def refusal(self, precision: str) -> str | None:
        """Why `precision` is not used here, or None if it is faithful and faster."""
        trial = self.trials[precision]
        if trial.difference > FAITHFUL_BOUND:
            return (
                f"{precision} scores differ from fp32 by up to {trial.difference:.3f} on "
                f"calibration texts (bound {FAITHFUL_BOUND:.2f})"
            )
        if trial.seconds * MIN_SPEEDUP > self.fp32_seconds:
            return (
                f"{precision} is not faster than fp32 on this machine ({trial.seconds:.2f} s "
                f"against {self.fp32_seconds:.2f} s on calibration texts{_SLOW_HINTS[precision]})"
            )
        return None

    def choose(self, candidates: Sequence[str]) -> str:
        """The fastest faithful candidate that beats fp32, else fp32."""
        usable = [p for p in candidates if self.refusal(p) is None]
        return min(usable, key=lambda p: self.trials[p].seconds, default="fp32")

    def describe(self, precision: str, asked: str) -> str:
        """One line for the run summary: the precision and why it was chosen."""
        how = "chosen automatically" if asked == "auto" else "as asked"
        if precision == "fp32":
            tried = [p for p in ([asked] if asked != "auto" else self.trials) if p != "fp32"]
            reasons = "; ".join(r for p in tried if (r := self.refusal(p)))
            return f"fp32 ({how}{': ' + reasons if reasons else ''})"
        trial = self.trials[precision]
        return (
            f"{precision} ({how}: {self.fp32_seconds / trial.seconds:.1f}x fp32's speed here, "
            f"scores within {trial.difference:.4f} of fp32's)"
        )


def candidates(device: str) -> list[str]:
    """The precisions that may beat fp32 on a device: int8 (and native bf16) on CPUs,
    bf16 and fp16 on GPUs."""
    if device.startswith("cuda"):
        import torch

        return (["bf16"] if torch.cuda.is_bf16_supported() else []) + ["fp16"]
    flags = cpu_flags()
    return ["int8"] + (["bf16"] if {"avx512_bf16", "amx_bf16"} & flags else [])


def wanted(settings: ToxicitySettings) -> list[str]:
    """The precisions a run must know about before it can choose."""
    if settings.precision == "auto":
        return candidates(settings.device)
    return [] if settings.precision == "fp32" else [settings.precision]


@functools.cache  # the CPU does not change while the process runs
def cpu_model_and_flags() -> tuple[str, frozenset[str]]:
    """The CPU's model name and instruction-set flags (Linux; 'unknown' and none elsewhere)."""
    model, flags = "unknown", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return model, frozenset(flags)


def cpu_flags() -> frozenset[str]:
    """The CPU flags that decide which precision is fastest."""
    return cpu_model_and_flags()[1] & set(CPU_FLAGS)


def machine_key(model_id: str, settings: ToxicitySettings) -> str:
    """Tells apart models, machines and settings that make precisions faster or slower."""
    parts = [model_id, cpu_model_and_flags()[0], " ".join(sorted(cpu_flags())), str(os.cpu_count()),
             str(settings.threads), settings.device, _versions()]  # fmt: skip
    if settings.device.startswith("cuda"):
        parts.append(_gpu_name(settings.device))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _gpu_name(device: str) -> str:
    import torch

    if not torch.cuda.is_available():  # a Ray driver with no GPU: the actors that score have one
        return "no GPU"
    return torch.cuda.get_device_name(device)


def _versions() -> str:
    found = []
    for name in ("torch", "onnxruntime", "transformers", "detoxify"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found)


class Calibrations:
    """Calibrations kept in a folder, one file per model and machine."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def get(self, key: str) -> Calibration | None:
        """The kept calibration, or None if there is none (or it cannot be read)."""
        try:
            raw = json.loads((self._folder / f"{key}.calibration.json").read_text())
            raw["trials"] = {name: Trial(**t) for name, t in raw.get("trials", {}).items()}
            return Calibration(**raw)
        except (OSError, ValueError, TypeError, AttributeError):
            return None  # never kept, or damaged: measured again

    def put(self, key: str, calibration: Calibration) -> None:
        """Keep a calibration; a folder that cannot be written only costs a later re-run."""
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=self._folder, delete=False, suffix=".part"
            ) as out:
                json.dump(asdict(calibration), out, indent=1)
            os.replace(out.name, self._folder / f"{key}.calibration.json")
        except OSError as exc:
            logger.warning("%s: cannot keep the calibration (%s)", self._folder, exc.strerror)


def measure(score: Callable[[Sequence[str]], list[dict[str, float]]]) -> tuple[list, float]:
    """Scores of the calibration texts, and the best time of two warmed-up passes."""
    scores = score(CALIBRATION)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        score(CALIBRATION)
        times.append(time.perf_counter() - started)
    return scores, min(times)


def trial(expected: list[dict[str, float]], got: list[dict[str, float]], seconds: float) -> Trial:
    """A precision's largest difference from fp32's scores, and its time."""
    worst = max(abs(e[label] - g[label]) for e, g in zip(expected, got, strict=True) for label in e)
    return Trial(worst, seconds)


def now() -> str:
    """The time a calibration was measured."""
    return datetime.now(UTC).isoformat(timespec="seconds")
