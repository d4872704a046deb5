"""Shared fixtures: a store in a temporary folder, a CLI runner, a tiny local Detoxify model.

Every test runs offline: the Hugging Face hub is in offline mode, downloads go to a proxy
that refuses connections, and the torch cache is empty, so nothing can reach a network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tiny_detoxify
from click.testing import CliRunner

from moderation.settings import Settings, ToxicitySettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEFAULT_RULES = ROOT / "rules" / "default.yml"
DATA = Path(__file__).resolve().parent / "data"
THREAD_SEED = SEEDS / "004_ab45d655f29e8aa9.txt"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-cache"))
    for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("MODERATION_CONFIG", raising=False)
    monkeypatch.setenv("MODERATION_DB", str(tmp_path / "moderation.db"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(checkpoint file, config folder) of a tiny random Detoxify-format model."""
    return tiny_detoxify.build(tmp_path_factory.mktemp("tiny-detoxify"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "moderation.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    """Settings on a temporary store with the shipped rules."""
    return Settings(db=str(db_path), rules=DEFAULT_RULES, toxicity=ToxicitySettings())


@pytest.fixture
def tiny_settings(db_path: Path, tiny_model: tuple[Path, Path]) -> Settings:
    """Settings that load the tiny local checkpoint."""
    checkpoint, config_dir = tiny_model
    toxicity = ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, batch_tokens=256)
    return Settings(db=str(db_path), rules=DEFAULT_RULES, toxicity=toxicity)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A copy of the seed folder that a test may change."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
