"""Toxicity in int8 on ONNX Runtime: the fast CPU path.

The fp32 model is exported to ONNX once, the weights of its matrix multiplications are
quantized to int8 (ONNX Runtime's dynamic quantization: activations are quantized per
batch as it runs), and the result is kept in a cache folder under a name derived from the
model, so later runs load it in about a second. Measured on a 2-core AVX2 machine with a
bert-base-shaped model, ONNX Runtime's int8 ran about 1.2x PyTorch's own dynamic int8
and twice fp32. Whether its scores stay close enough to fp32 is checked by the caller
(`toxicity._faster`), as for every faster precision.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from moderation.errors import ModelError

logger = logging.getLogger(__name__)

_OPSET = 17


class OnnxClassifier:
    """An ONNX Runtime session used like the PyTorch model it came from, for scoring."""

    def __init__(self, path: Path, config: Any, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # 0: one per physical core. Workers spin between batches (ONNX Runtime's default):
        # measured beside VADER's thread on 2 cores, that was as fast or faster than not.
        options.intra_op_num_threads = threads
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ONNX Runtime raises its own classes, all from Exception
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            raise ModelError(
                f"{path}: not a usable int8 model ({first_line}); delete it and it is prepared again"
            ) from None
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.config = config

    def eval(self) -> OnnxClassifier:
        """Already in inference mode; here so it reads like a PyTorch model."""
        return self

    def __call__(self, **inputs: Any) -> SimpleNamespace:
        """Logits for a padded batch of PyTorch tensors, as a PyTorch tensor."""
        import torch

        feeds = {name: inputs[name].cpu().numpy() for name in self._inputs}
        (logits,) = self._session.run(["logits"], feeds)
        return SimpleNamespace(logits=torch.from_numpy(logits))


def int8_classifier(
    model: Any, tokenizer: Any, model_id: str, cache: Path, threads: int
) -> OnnxClassifier:
    """The model quantized to int8 for ONNX Runtime, built on first use and then cached."""
    path = cache / f"{_cache_name(model_id)}.int8.onnx"
    if not path.is_file():
        logger.warning("Preparing the int8 model, once: it is kept in %s", cache)
        _export_int8(model, tokenizer, path)
    return OnnxClassifier(path, model.config, threads)


def _cache_name(model_id: str) -> str:
    """Tells apart models and the tool versions that converted them."""
    key = f"{model_id}|torch {version('torch')}|onnxruntime {version('onnxruntime')}|{_OPSET}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _export_int8(model: Any, tokenizer: Any, path: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"{path.parent}: cannot keep the int8 model there ({exc.strerror})"
        ) from None
    example = tokenizer(["an example comment", "and another"], padding=True, return_tensors="pt")
    inputs = ("input_ids", "attention_mask")
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {"logits": {0: "batch"}}
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        fp32, int8 = Path(work) / "fp32.onnx", Path(work) / "int8.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            # Tracer notes on branches; a wrong export fails the calibration check in `_faster`.
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(
                    model, tuple(example[name] for name in inputs), str(fp32), dynamo=False,
                    input_names=list(inputs), output_names=["logits"], dynamic_axes=axes, opset_version=_OPSET,
                )  # fmt: skip
            except RuntimeError as exc:  # the exporter's errors derive from it
                raise ModelError(f"this model cannot run in int8 ({exc}); use fp32") from None
        # The quantizer logs advice meant for image models on the root logger: keep it quiet.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(int8, path)  # whole or not at all, even if interrupted
