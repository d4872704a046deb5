"""Detoxify loads from a local checkpoint offline; alt-profanity-check stands in when it cannot."""

import logging

import pytest
from conftest import DATA
from detoxify import Detoxify

from moderation.errors import ModelError
from moderation.scoring.toxicity import load_detoxify, open_toxicity_scorer
from moderation.settings import ToxicitySettings

DETOXIFY_LABELS = {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}
TEXTS = [
    "you are an idiot",
    "good comment , thanks",
    "the article is great and i agree",
    "blah",
    "x",
]


def test_plain_detoxify_needs_the_hub_even_with_a_local_config(tiny_model):
    checkpoint, config_dir = tiny_model
    with pytest.raises(OSError):
        Detoxify(checkpoint=str(checkpoint), huggingface_config_path=str(config_dir))


def test_local_checkpoint_loads_offline_with_standard_labels(tiny_model):
    checkpoint, config_dir = tiny_model
    scorer = load_detoxify(ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir))
    assert scorer.model_id.startswith("detoxify-local:tiny.ckpt#")
    results = scorer.score(TEXTS)
    assert [set(r) for r in results] == [DETOXIFY_LABELS] * len(TEXTS)
    assert all(0.0 <= v <= 1.0 for r in results for v in r.values())
    assert len({round(r["insult"], 6) for r in results}) > 1  # each text gets its own scores


def test_batched_scores_equal_one_at_a_time(tiny_model):
    checkpoint, config_dir = tiny_model
    scorer = load_detoxify(
        ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, batch_tokens=24)
    )
    batched = scorer.score(TEXTS)
    single = [scorer.score([t])[0] for t in TEXTS]
    for b, s in zip(batched, single, strict=True):
        assert b == pytest.approx(s, abs=1e-5)


def test_long_text_is_scored_in_windows_not_truncated(tiny_model):
    checkpoint, config_dir = tiny_model
    scorer = load_detoxify(ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir))
    long_text = "good comment thanks " * 40 + "you are an idiot"
    scorer.score(["good comment thanks"])
    assert scorer.windowed_texts == 0
    whole = scorer.score([long_text])[0]
    assert scorer.windowed_texts == 1
    # The tiny model reads 64 tokens at once: the text is three windows of one length,
    # the last with the insult in it, and the text takes each label's highest window.
    windows, _ = scorer._windows.split([long_text])
    tokenizer = scorer._windows._tokenizer
    texts = [tokenizer.decode(window) for window in windows]
    assert [len(w) for w in windows] == [54, 54, 52]
    assert texts[-1].endswith("you are an idiot") and "idiot" not in texts[0]
    parts = scorer.score(texts)
    for label in DETOXIFY_LABELS:
        assert whole[label] == pytest.approx(max(p[label] for p in parts), abs=1e-5)


def test_an_unknown_device_is_one_clear_error(tiny_model):
    checkpoint, config_dir = tiny_model
    with pytest.raises(ModelError, match=r"device 'gpu0' is not one PyTorch knows"):
        open_toxicity_scorer(
            ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, device="gpu0")
        )


def test_a_faster_precision_is_used_when_faithful(tiny_model, monkeypatch):
    checkpoint, config_dir = tiny_model
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    monkeypatch.setattr("moderation.scoring.precision.MIN_SPEEDUP", 0.0)
    scorer = load_detoxify(
        ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, precision="bf16")
    )
    assert scorer.model_id.endswith("+bf16")  # its scores are never mixed with fp32 ones
    assert 0 <= scorer.faithfulness <= 1.0
    assert set(scorer.score(["you are an idiot"])[0]) == DETOXIFY_LABELS


def test_an_unfaithful_precision_falls_back_to_fp32_and_says_so(tiny_model, monkeypatch, caplog):
    checkpoint, config_dir = tiny_model
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 0.0)
    with caplog.at_level(logging.WARNING, logger="moderation"):
        scorer = load_detoxify(
            ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, precision="int8")
        )
    assert not scorer.model_id.endswith("+int8")
    assert (
        "int8 scores differ from fp32 by up to" in caplog.text and "scoring in fp32" in caplog.text
    )


def test_int8_runs_on_onnx_runtime_prepared_once_and_kept(tiny_model, tmp_path, monkeypatch):
    checkpoint, config_dir = tiny_model
    # The tiny model's wide random weights lose more to int8 than a real model does
    # (benchmarks/archive_speed.py measures bert-base's difference), so the bound is lifted.
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    monkeypatch.setattr("moderation.scoring.precision.MIN_SPEEDUP", 0.0)
    settings = ToxicitySettings(
        checkpoint=checkpoint, config_dir=config_dir, precision="int8", cache_dir=tmp_path / "c"
    )
    scorer = load_detoxify(settings)
    assert scorer.model_id.endswith("+int8")
    results = scorer.score(TEXTS)
    assert [set(r) for r in results] == [DETOXIFY_LABELS] * len(TEXTS)
    assert all(0.0 <= v <= 1.0 for r in results for v in r.values())
    assert len({round(r["insult"], 6) for r in results}) > 1
    (kept,) = (tmp_path / "c").glob("*.int8.onnx")

    def no_second_export(*args):
        raise AssertionError("exported again")

    monkeypatch.setattr("moderation.scoring.quantized._export_int8", no_second_export)
    # Kept with its tokenizer and calibration, it loads without the PyTorch model.
    monkeypatch.setattr("moderation.scoring.toxicity.load_torch_detoxify", no_second_export)
    again = load_detoxify(settings)
    assert again.model_id == scorer.model_id
    assert again.score(TEXTS) == results
    assert again.choice.startswith("int8 (as asked")
    suffixes = sorted("".join(p.suffixes) for p in (tmp_path / "c").iterdir())
    assert suffixes == [".calibration.json", ".int8.onnx", ".tokenizer.json"]  # no leftovers
    assert kept.exists()


def test_a_precision_that_is_not_faster_here_falls_back_and_says_so(
    tiny_model, monkeypatch, caplog
):
    checkpoint, config_dir = tiny_model
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    monkeypatch.setattr("moderation.scoring.precision.MIN_SPEEDUP", 1000.0)
    with caplog.at_level(logging.WARNING, logger="moderation"):
        scorer = load_detoxify(
            ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, precision="bf16")
        )
    assert not scorer.model_id.endswith("+bf16")
    assert "bf16 is not faster than fp32 on this machine" in caplog.text
    assert "scoring in fp32" in caplog.text


def test_a_cache_folder_that_cannot_be_written_is_one_clear_error(tiny_model, tmp_path):
    checkpoint, config_dir = tiny_model
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings = ToxicitySettings(
        checkpoint=checkpoint, config_dir=config_dir, precision="int8", cache_dir=blocked
    )
    with pytest.raises(ModelError, match=r"not-a-folder: cannot keep the int8 model there"):
        load_detoxify(settings)


def test_a_damaged_int8_model_in_the_cache_is_one_clear_error(tiny_model, tmp_path, monkeypatch):
    checkpoint, config_dir = tiny_model
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    settings = ToxicitySettings(
        checkpoint=checkpoint, config_dir=config_dir, precision="int8", cache_dir=tmp_path
    )
    load_detoxify(settings)
    (kept,) = tmp_path.glob("*.int8.onnx")
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short, as by a full disk
    with pytest.raises(ModelError, match=r"\.int8\.onnx: not a usable int8 model .*delete it"):
        load_detoxify(settings)


def test_the_int8_cache_folder_comes_from_settings_or_xdg(tmp_path, monkeypatch):
    from moderation.settings import load_settings

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_settings().toxicity.cache_dir == tmp_path / "xdg" / "moderation"
    config = tmp_path / "moderation.toml"
    config.write_text('[toxicity]\ncache_dir = "~/models/int8"\n')
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_settings(config).toxicity.cache_dir == tmp_path / "home" / "models" / "int8"


def test_the_fallback_scorer_gives_the_packages_own_probabilities(tmp_path):
    import csv

    from profanity_check import predict_prob

    from moderation.scoring.profanity import ProfanityScorer

    with (DATA / "eval" / "davidson_sample.csv").open(encoding="utf-8") as stream:
        texts = [row["tweet"] for row in csv.DictReader(stream)][:300]
    texts += ["You absolute idiot", "Have a lovely day", "", "f u c k"]
    slow = list(predict_prob(texts))
    first = ProfanityScorer(tmp_path)  # reads the package's model and keeps its arrays
    assert [p.name for p in tmp_path.iterdir()] == [f"{first.model_id}.fallback.npz"]
    for scorer in (first, ProfanityScorer(tmp_path), ProfanityScorer()):
        fast = [s["profanity"] for s in scorer.score(texts)]
        assert max(abs(a - b) for a, b in zip(fast, slow, strict=True)) < 1e-9


def test_the_kept_fallback_model_scores_without_importing_scikit_learn(tmp_path):
    import subprocess
    import sys

    from moderation.scoring.profanity import ProfanityScorer

    ProfanityScorer(tmp_path)
    program = (
        "import sys; from pathlib import Path; from moderation.scoring.profanity import ProfanityScorer; "
        f"s = ProfanityScorer(Path({str(tmp_path)!r})).score(['You absolute idiot'])[0]['profanity']; "
        "print(s > 0.5, 'sklearn' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["True", "False"]
    (tmp_path / next(tmp_path.iterdir()).name).write_bytes(b"not an npz")  # damaged: read anew
    assert ProfanityScorer(tmp_path).score(["Have a lovely day"])[0]["profanity"] < 0.5
