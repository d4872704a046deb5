"""Shared fixtures: a store in a temporary folder, a CLI runner, a tiny local Detoxify model.

Every test runs offline: the Hugging Face hub is in offline mode, downloads go to a proxy
that refuses connections, and the torch cache is empty, so nothing can reach a network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server for the session: its admin URL."""
    import postgres_server

    try:
        with postgres_server.server() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(f"PostgreSQL could not start: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store's URL, on each database the store runs on."""
    if request.param == "sqlite":
        yield str(tmp_path / "moderation.db")
        return
    import postgres_server

    with postgres_server.database(request.getfixturevalue("postgres")) as url:
        yield url


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the session, as a user's machine has: the tiny model's
    calibration and int8 version are made once, by the first test that needs them."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_cache: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    for note in shared_cache.glob("moderation/*.unavailable.json"):
        note.unlink()  # each test starts where no download has been tried
    for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("MODERATION_CONFIG", raising=False)
    monkeypatch.setenv("MODERATION_DB", str(tmp_path / "moderation.db"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> tuple[Path, Path]:
    """(checkpoint file, config folder) of a tiny random Detoxify-format model, its
    precision measured in the session's cache, as a machine that ran it once has it."""
    from moderation.scoring.toxicity import load_detoxify

    checkpoint, config_dir = tiny_detoxify.build(tmp_path_factory.mktemp("tiny-detoxify"))
    load_detoxify(ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir,
                                   cache_dir=shared_cache / "moderation"))  # fmt: skip
    return checkpoint, config_dir


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "moderation.db"


@pytest.fixture
def store_url(db_path: Path) -> str:
    """The store a test writes to: SQLite here. A module that runs on both databases
    overrides it with `db_url` (a `store_url` fixture of its own returning `db_url`)."""
    return str(db_path)


@pytest.fixture
def settings(store_url: str) -> Settings:
    """Settings on a temporary store with the shipped rules."""
    return Settings(db=store_url, rules=DEFAULT_RULES, toxicity=ToxicitySettings())


@pytest.fixture
def tiny_settings(store_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    """Settings that load the tiny local checkpoint."""
    checkpoint, config_dir = tiny_model
    toxicity = ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, batch_tokens=256)
    return Settings(db=store_url, rules=DEFAULT_RULES, toxicity=toxicity)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A copy of the seed folder that a test may change."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


# --- the review UI ------------------------------------------------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture
def scored_store(settings):
    """A store with the seeds, layout fixtures and a heated thread scored; three accounts."""
    from datetime import UTC, datetime

    from moderation.pipeline import score_paths
    from moderation.scoring.toxicity import open_toxicity_scorer
    from moderation.store import open_store, users

    score_paths(
        [SEEDS, DATA / "layouts", DATA / "pages"],
        settings,
        lambda: open_toxicity_scorer(settings.toxicity),
    )
    store = open_store(settings.db_url)
    with store.transaction(immediate=True) as connection:
        for name, role in (
            ("mo", "moderator"),
            ("mira", "moderator"),
            ("ed", "editor"),
            ("ada", "admin"),
        ):
            users.add(connection, name, role, PASSWORD, datetime.now(UTC))
    store.close()
    return settings


@pytest.fixture
def app(scored_store):
    from webui import create_app

    return create_app(
        {
            "TESTING": True,
            "MODERATION_DB": scored_store.db,
            "MODERATION_RULES": str(DEFAULT_RULES),
            "SECRET_KEY": "test",
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


def query(url: str, sql: str) -> list[tuple]:
    """The rows of a SQL query on the store at `url`, SQLite or PostgreSQL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(Settings(db=url).db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def dump(url: str) -> str:
    """Every row of every table of the store at `url`, as text (SQLite or PostgreSQL)."""
    from moderation.store.schema import metadata

    return "\n".join(
        str(row) for t in metadata.sorted_tables for row in query(url, f"select * from {t.name}")
    )


def login(client, name: str):
    """Log in through the real form, CSRF token included."""
    import re

    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})


def csrf_token(client) -> str:
    import re

    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").data.decode()).group(1)


# --- the live endpoints ---------------------------------------------------------------------


@pytest.fixture
def live_server():
    """Serve an app on 127.0.0.1 and a free port, in threads, as `moderation serve` does;
    returns its base URL. Stopped when the test ends."""
    import threading

    from werkzeug.serving import make_server

    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
