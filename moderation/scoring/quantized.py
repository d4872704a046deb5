"""Toxicity in int8 on ONNX Runtime: the fast CPU path.

The fp32 model is exported to ONNX once, ONNX Runtime's transformer optimizer fuses its
attention, layer norms and activations into single operators, the weights of its matrix
multiplications are quantized to int8 (dynamic quantization: activations are quantized per
batch as it runs), and the result is kept in a cache folder under a name derived from the
model, with the model's tokenizer beside it. Later runs load the two in under a second,
without PyTorch. Measured on 2 cores with AVX-512 VNNI and a bert-base-shaped model,
fusing made int8 about 1.2x faster again. Whether its scores stay close enough to fp32 is
checked by the caller (`precision.calibrate`), as for every faster precision.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from moderation.errors import ModelError

logger = logging.getLogger(__name__)

_OPSET = 17
_FORMAT = 2  # of what is kept: 2 = fused attention; a new format prepares the model again


class OnnxClassifier:
    """An ONNX Runtime session that turns a padded batch of token ids into logits."""

    def __init__(self, path: Path, threads: int) -> None:
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

    def __call__(self, ids: Any, mask: Any) -> Any:
        """Logits (a numpy array) for int64 arrays of token ids and attention mask."""
        feeds = {"input_ids": ids, "attention_mask": mask}
        (logits,) = self._session.run(["logits"], {name: feeds[name] for name in self._inputs})
        return logits


def kept_paths(cache: Path, model_id: str) -> tuple[Path, Path]:
    """Where the int8 model and its tokenizer are kept for a model."""
    name = _cache_name(model_id)
    return cache / f"{name}.int8.onnx", cache / f"{name}.tokenizer.json"


def int8_classifier(
    model: Any, tokenizer: Any, model_id: str, cache: Path, threads: int
) -> OnnxClassifier:
    """The model quantized to int8 for ONNX Runtime, built on first use and then kept."""
    path, tokenizer_path = kept_paths(cache, model_id)
    if not path.is_file():
        logger.warning("Preparing the int8 model, once: it is kept in %s", cache)
        _export_int8(model, tokenizer, path)
    if not tokenizer_path.is_file():
        try:
            _write_whole(tokenizer_path, tokenizer.backend_tokenizer.to_str())
        except OSError as exc:
            raise ModelError(
                f"{cache}: cannot keep the int8 model's tokenizer there ({exc.strerror})"
            ) from None
    return OnnxClassifier(path, threads)


def _cache_name(model_id: str) -> str:
    """Tells apart models and the tool versions that converted them."""
    key = f"{model_id}|torch {version('torch')}|onnxruntime {version('onnxruntime')}|{_OPSET}|{_FORMAT}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _export_int8(model: Any, tokenizer: Any, path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"{path.parent}: cannot keep the int8 model there ({exc.strerror})"
        ) from None
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        fp32, fused, int8 = (Path(work) / f"{n}.onnx" for n in ("fp32", "fused", "int8"))
        _export(model, tokenizer, fp32)
        source = fused if _fuse(fp32, fused, model.config) else fp32
        # The quantizer logs advice meant for image models on the root logger: keep it quiet.
        logging.disable(logging.WARNING)
        try:
            # Fused operators have no type the quantizer can infer: they compute in float.
            quantize_dynamic(
                str(source), str(int8), weight_type=QuantType.QInt8,
                extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
            )  # fmt: skip
        finally:
            logging.disable(logging.NOTSET)
        os.replace(int8, path)  # whole or not at all, even if interrupted


def _export(model: Any, tokenizer: Any, path: Path) -> None:
    import torch

    example = tokenizer(["an example comment", "and another"], padding=True, return_tensors="pt")
    inputs = ("input_ids", "attention_mask")
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {"logits": {0: "batch"}}
    # Written out step by step, attention exports as operators the optimizer recognises
    # and fuses; PyTorch's fused kernel (sdpa) exports as a shape it does not.
    before = getattr(model.config, "_attn_implementation", None)
    with contextlib.suppress(AttributeError, ValueError):
        model.set_attn_implementation("eager")
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            # Tracer notes on branches; a wrong export fails the calibration check.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, tuple(example[name] for name in inputs), str(path), dynamo=False,
                input_names=list(inputs), output_names=["logits"], dynamic_axes=axes, opset_version=_OPSET,
            )  # fmt: skip
    except RuntimeError as exc:  # the exporter's errors derive from it
        raise ModelError(f"this model cannot run in int8 ({exc}); use fp32") from None
    finally:
        if before is not None:
            with contextlib.suppress(AttributeError, ValueError):
                model.set_attn_implementation(before)


def _fuse(source: Path, target: Path, config: Any) -> bool:
    """Fuse attention and normalisation into ONNX Runtime's operators; False if it cannot."""
    from onnxruntime.transformers.optimizer import optimize_model

    logging.disable(logging.WARNING)
    try:
        optimized = optimize_model(
            str(source), model_type="bert",  # BERT, RoBERTa and XLM-R share the layout
            num_heads=config.num_attention_heads, hidden_size=config.hidden_size,
        )  # fmt: skip
        optimized.save_model_to_file(str(target))
    except Exception as exc:  # the optimizer's pattern matchers raise anything; fusing is optional
        logger.info("int8: attention not fused (%s); quantizing the plain export", exc)
        return False
    finally:
        logging.disable(logging.NOTSET)
    return True


def _write_whole(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".part") as out:
        out.write(text)
    os.replace(out.name, path)
