"""Store faults a user can meet: one clear line each, never a traceback, the store intact."""

from __future__ import annotations

import json
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS

from moderation.cli import cli


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("foo://somewhere/db", "unknown kind of database 'foo'"),
        ("postgresql+psycopg2://ana:s3cret-pw@127.0.0.1:1/news", "driver is not installed"),
        ("postgresql://ana:s3cret-pw@127.0.0.1:1/news", "failed: Connection refused"),
    ],
)
def test_a_store_url_that_cannot_work_is_one_line(runner, url, words):
    result = runner.invoke(cli, ["flags", "--db", url])
    assert result.exit_code == 1
    assert words in result.output
    assert "s3cret-pw" not in result.output  # passwords are never printed
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_file_that_is_not_a_store_is_one_line_and_left_alone(runner, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database")
    result = runner.invoke(cli, ["score", str(SEEDS), "--db", str(path), "-q"])
    assert result.exit_code == 1
    assert "cannot open the store (file is not a database)" in result.output
    assert path.read_text() == "my notes, not a database"


def test_a_store_that_cannot_be_written_is_one_line_and_unchanged(runner, db_path):
    assert (
        runner.invoke(cli, ["score", str(SEEDS / "004_ab45d655f29e8aa9.txt"), "-q"]).exit_code == 0
    )
    before = sqlite3.connect(db_path).execute("select count(*) from articles").fetchone()
    read_only = f"sqlite:///file:{db_path}?mode=ro&uri=true"
    result = runner.invoke(cli, ["score", str(SEEDS), "--db", read_only, "-q"])
    assert result.exit_code == 1
    assert "readonly database" in result.output
    assert "Traceback" not in result.output
    assert sqlite3.connect(db_path).execute("select count(*) from articles").fetchone() == before


def test_a_full_disk_is_one_line_and_the_store_stays_whole(tmp_path, db_path):
    """The disk fills up mid-run (a file-size limit stands for it, as a full disk would
    refuse the write): one line, and the store still holds everything it held before."""
    archive = tmp_path / "comments.jsonl"
    archive.write_text("".join(
        json.dumps({"id": i, "text": f"Comment {i} on the budget.", "author": f"r{i % 9}"}) + "\n"
        for i in range(3000)
    ))  # fmt: skip
    moderation = str(Path(sys.executable).parent / "moderation")
    first = [
        moderation,
        "score",
        str(SEEDS / "004_ab45d655f29e8aa9.txt"),
        "--db",
        str(db_path),
        "-q",
    ]
    subprocess.run(first, check=True, capture_output=True)
    before = sqlite3.connect(db_path).execute("select count(*) from comments").fetchone()
    room = db_path.stat().st_size + 20_000

    def full_disk() -> None:
        signal.signal(
            signal.SIGXFSZ, signal.SIG_IGN
        )  # a write past the limit fails, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    command = [moderation, "score", str(archive), "--db", str(db_path), "-q"]
    result = subprocess.run(command, capture_output=True, text=True, preexec_fn=full_disk)
    assert result.returncode == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert "is the disk full" in error and "Traceback" not in result.stderr
    store = sqlite3.connect(db_path)
    assert store.execute("pragma integrity_check").fetchone() == ("ok",)
    assert store.execute("select count(*) from comments").fetchone() == before
