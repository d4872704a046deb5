"""A run killed with SIGKILL at random points and started again stores and writes every
comment exactly once: no comment lost, none twice, in the store and in `--out`."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import DEFAULT_RULES

COMMENTS = 4000


def lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def kill_once(command: list[str], out: Path, target: int) -> bool:
    """Start a run and SIGKILL it once `--out` holds `target` rows (0: during start-up);
    whether it was still running when killed."""
    run = start(command)
    deadline = time.monotonic() + 120
    while run.poll() is None and lines(out) < target and time.monotonic() < deadline:
        time.sleep(0.01 if target else 0.4)
    alive = run.poll() is None
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    return alive


def test_sigkill_at_random_points_then_resume_gives_every_comment_once(tmp_path):
    archive, out, db = tmp_path / "comments.jsonl", tmp_path / "scored.jsonl", tmp_path / "m.db"
    archive.write_text("".join(
        json.dumps({"id": i, "text": f"Comment {i}: the council's budget fails readers.",
                    "author": f"reader{i % 50}", "article": f"story{i % 20}"}) + "\n"
        for i in range(COMMENTS)
    ))  # fmt: skip
    moderation = str(Path(sys.executable).parent / "moderation")
    command = [moderation, "score", str(archive), "--db", str(db), "--out", str(out),
               "--rules", str(DEFAULT_RULES), "-q"]  # fmt: skip
    rng = random.Random(15)
    targets = [0, *sorted(rng.sample(range(1, COMMENTS), 3))]
    killed_midway = [kill_once(command, out, target) for target in targets]
    assert sum(killed_midway) >= 3, killed_midway  # the kills landed while runs were working
    final = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == COMMENTS
    with sqlite3.connect(db) as connection:
        assert connection.execute(
            "select count(*), count(distinct id) from comments"
        ).fetchone() == (
            COMMENTS,
            COMMENTS,
        )
        assert connection.execute("select count(*) from rule_decisions").fetchone() == (COMMENTS,)
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
