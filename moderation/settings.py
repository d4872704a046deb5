"""Settings: packaged defaults, then the user's file, then the environment, then flags.

This module is the one place that reads configuration; everything else receives a
`Settings` object.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from moderation.errors import SettingsError

DETOXIFY_MODELS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
USER_FILE = "moderation.toml"


@dataclass(frozen=True)
class ToxicitySettings:
    """Which toxicity model to use, where it runs, and where its weights come from."""

    model: str = "unbiased"
    device: str = "cpu"
    checkpoint: Path | None = None
    config_dir: Path | None = None
    fallback: bool = True
    batch_tokens: int = 1024  # padded tokens per batch: small batches suit CPU caches
    threads: int = 0
    precision: str = "auto"  # the fastest faithful here; or fp32, int8, bf16, fp16
    cache_dir: Path = field(
        default_factory=lambda: _cache_home() / "moderation"
    )  # int8, calibrations


@dataclass(frozen=True)
class LiveSettings:
    """The live endpoints: Perspective-compatible API and Coral moderation phase."""

    batch_wait_ms: float = 5.0  # how long a request waits for others to share a model batch
    rate_limit: float = 20.0  # requests per second for a new API key
    max_text: int = 20480  # characters in one comment, as Perspective allows
    max_body: int = 1 << 20  # bytes in one request body
    moderate_staff: bool = False  # Coral: decide comments by staff, moderators and admins too


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved once."""

    db: str = "moderation.db"
    rules: Path = Path("rules/default.yml")
    toxicity: ToxicitySettings = field(default_factory=ToxicitySettings)
    live: LiveSettings = field(default_factory=LiveSettings)

    @property
    def db_url(self) -> str:
        """The store as a SQLAlchemy URL; a bare path means a SQLite file."""
        return self.db if "://" in self.db else f"sqlite:///{self.db}"


def load_settings(user_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, layered with the user's file, MODERATION_DB and the given overrides.

    Overrides named `toxicity_<key>` set that key of the toxicity section; None means unset.
    """
    data = tomllib.loads(resources.files("moderation").joinpath("defaults.toml").read_text())
    path = user_file or _user_file()
    if path is not None:
        _merge(data, _read_toml(path))
    if os.environ.get("MODERATION_DB"):
        data["db"] = os.environ["MODERATION_DB"]
    for key, value in overrides.items():
        if value is None:
            continue
        if key.startswith("toxicity_"):
            data["toxicity"][key.removeprefix("toxicity_")] = value
        elif key.startswith("live_"):
            data.setdefault("live", {})[key.removeprefix("live_")] = value
        else:
            data[key] = value
    return _build(data, path)


def _user_file() -> Path | None:
    named = os.environ.get("MODERATION_CONFIG")
    if named:
        return Path(named)
    local = Path(USER_FILE)
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _build(data: dict[str, Any], source: Path | None) -> Settings:
    where = str(source) if source else "settings"
    tox = dict(data.pop("toxicity", {}))
    live = dict(data.pop("live", {}))
    _check_keys(where, data, Settings, skip={"toxicity", "live"})
    _check_keys(f"{where} [toxicity]", tox, ToxicitySettings)
    _check_keys(f"{where} [live]", live, LiveSettings)
    if tox.get("model") not in DETOXIFY_MODELS:
        raise SettingsError(
            f"{where}: toxicity model {tox.get('model')!r} is not one of {', '.join(DETOXIFY_MODELS)}"
        )
    for key in ("checkpoint", "config_dir"):
        tox[key] = Path(tox[key]).expanduser() if tox.get(key) else None
    if tox.get("cache_dir"):
        tox["cache_dir"] = Path(tox["cache_dir"]).expanduser()
    else:
        tox.pop("cache_dir", None)
    toxicity = replace(ToxicitySettings(), **tox)
    return Settings(
        db=str(data["db"]),
        rules=_rules_path(str(data["rules"])),
        toxicity=toxicity,
        live=_live(live, where),
    )


DEFAULT_RULES = "rules/default.yml"


def packaged_rules() -> Path:
    """The shipped default rule file, inside the installed package."""
    return Path(str(resources.files("moderation").joinpath("rules", "default.yml")))


def _rules_path(configured: str) -> Path:
    """The rule file: the default one from the current folder (a checkout, or a copy made
    by `moderation rules init`) if it is there, else the copy shipped in the package."""
    path = Path(configured).expanduser()
    if configured == DEFAULT_RULES and not path.exists():
        return packaged_rules()
    return path


def _live(values: dict[str, Any], where: str) -> LiveSettings:
    defaults = LiveSettings()
    for key, value in values.items():
        wanted = type(getattr(defaults, key))
        if isinstance(value, bool) != (wanted is bool) or not isinstance(value, int | float):
            raise SettingsError(f"{where} [live]: {key} must be a {wanted.__name__}, not {value!r}")
        if value < 0:
            raise SettingsError(f"{where} [live]: {key} cannot be negative")
    return replace(defaults, **values)


def _check_keys(where: str, data: dict[str, Any], cls: type, skip: set[str] = frozenset()) -> None:
    known = {f.name for f in fields(cls)} | skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(
            f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
