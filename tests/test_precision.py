"""The default precision is the fastest faithful one, measured once per machine and model."""

import logging

import pytest
from tokenizers import Tokenizer

from moderation.errors import ModelError
from moderation.scoring.toxicity import expected_model_id, load_detoxify
from moderation.scoring.windows import Windows
from moderation.settings import ToxicitySettings


@pytest.fixture
def lifted(monkeypatch):
    """The tiny model's wide random weights lose more to int8 than a real model does
    (benchmarks/archive_speed.py measures bert-base's), so the bound is lifted."""
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    monkeypatch.setattr("moderation.scoring.precision.MIN_SPEEDUP", 0.0)


def _settings(tiny_model, tmp_path, **more):
    checkpoint, config_dir = tiny_model
    return ToxicitySettings(
        checkpoint=checkpoint, config_dir=config_dir, cache_dir=tmp_path / "cache", **more
    )


def test_auto_is_the_default_and_measures_once(tiny_model, tmp_path, lifted, monkeypatch):
    settings = _settings(tiny_model, tmp_path)
    assert settings.precision == "auto"
    assert expected_model_id(settings).endswith("#" + expected_model_id(settings).split("#")[1])
    first = load_detoxify(settings)
    assert first.model_id.endswith("+int8")
    assert first.choice.startswith("int8 (chosen automatically: ")
    assert "x fp32's speed here, scores within" in first.choice
    # Known before loading, so cached scores are found without loading the model.
    assert expected_model_id(settings) == first.model_id

    def measured_again(*args):
        raise AssertionError("calibrated again")

    monkeypatch.setattr("moderation.scoring.precision.measure", measured_again)
    again = load_detoxify(settings)
    assert again.model_id == first.model_id
    assert again.score(["you are an idiot"]) == first.score(["you are an idiot"])


def test_auto_keeps_fp32_when_nothing_faster_is_faithful(tiny_model, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 0.0)
    settings = _settings(tiny_model, tmp_path)
    with caplog.at_level(logging.WARNING, logger="moderation"):
        scorer = load_detoxify(settings)
    assert "+" not in scorer.model_id
    assert scorer.choice.startswith("fp32 (chosen automatically: int8 scores differ from fp32")
    assert "scoring in fp32" not in caplog.text  # a choice, not a refusal of what was asked
    assert expected_model_id(settings) == scorer.model_id


def test_a_calibration_made_for_another_machine_is_not_used(tiny_model, tmp_path, lifted):
    settings = _settings(tiny_model, tmp_path)
    load_detoxify(settings)
    (kept,) = (tmp_path / "cache").glob("*.calibration.json")
    other = _settings(tiny_model, tmp_path, threads=1)  # another thread count measures anew
    load_detoxify(other)
    assert len(list((tmp_path / "cache").glob("*.calibration.json"))) == 2
    kept.write_text("{not json")  # damaged: measured again, never an error
    assert load_detoxify(settings).model_id.endswith("+int8")


def test_a_damaged_kept_tokenizer_is_one_clear_error(tiny_model, tmp_path, lifted):
    settings = _settings(tiny_model, tmp_path)
    load_detoxify(settings)
    (kept,) = (tmp_path / "cache").glob("*.tokenizer.json")
    kept.write_text(kept.read_text()[:500])  # cut short, as by a full disk
    with pytest.raises(ModelError, match=r"\.tokenizer\.json: not a usable tokenizer .*delete it"):
        load_detoxify(settings)


def test_fp16_is_a_precision_like_the_others(tiny_model, tmp_path, lifted):
    scorer = load_detoxify(_settings(tiny_model, tmp_path, precision="fp16"))
    assert scorer.model_id.endswith("+fp16")
    assert scorer.choice.startswith("fp16 (as asked: ")
    (scores,) = scorer.score(["you are an idiot"])
    assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_long_comments_are_cut_into_equal_windows(tiny_model):
    _, config_dir = tiny_model
    tokenizer = Tokenizer.from_file(str(config_dir / "tokenizer.json"))
    windows = Windows(tokenizer, 512, 0)
    one = windows.split(["good " * 510])[0]
    assert [len(w) for w in one] == [512]
    six_hundred = windows.split(["good " * 598])[0]  # 600 tokens with the two markers
    assert [len(w) for w in six_hundred] == [333, 333]
    assert sum(map(len, six_hundred)) <= 1.5 * 512
    assert all(w[0] == one[0][0] and w[-1] == one[0][-1] for w in six_hundred)  # [CLS] .. [SEP]
    long = windows.split(["good " * 3000])[0]
    assert max(map(len, long)) <= 512
    # Every token is read, and neighbours share at most 64.
    assert sum(len(w) - 2 for w in long) - 64 * (len(long) - 1) >= 3000
