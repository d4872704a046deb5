"""Several writers on one store at once: scoring runs, as a live server and batch jobs do."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

RUNS = 4
COMMENTS = 700  # more than one batch of 512, so the runs' writes interleave


@pytest.mark.parametrize("store", ["new", "existing"])
def test_four_runs_into_one_store_all_succeed(tmp_path, store):
    db = tmp_path / "shared.db"
    moderation = Path(sys.executable).parent / "moderation"
    earlier = 0
    if store == "existing":  # runs read it first, then write: the old "database is locked"
        first = tmp_path / "first.jsonl"
        first.write_text(json.dumps({"id": "first", "text": "An earlier comment."}) + "\n")
        subprocess.run([str(moderation), "score", str(first), "--db", str(db), "-q"], check=True)
        earlier = 1
    archives = []
    for run in range(RUNS):
        archive = tmp_path / f"run{run}.jsonl"
        archive.write_text(
            "".join(
                json.dumps(
                    {
                        "id": f"{run}-{i}",
                        "text": f"Comment {i} of run {run} on the budget.",
                        "author": f"reader{i % 40}",
                        "article": f"story{run}",
                    }
                )
                + "\n"
                for i in range(COMMENTS)
            )
        )
        archives.append(archive)
    env = dict(os.environ, MODERATION_DB=str(db))
    runs = [
        subprocess.Popen(
            [str(moderation), "score", str(archive), "--db", str(db), "-q", "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for archive in archives
    ]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * RUNS, errors
    assert not any("Traceback" in e or "locked" in e for e in errors)
    stored = sqlite3.connect(db)
    total = RUNS * COMMENTS + earlier
    assert stored.execute("select count(*) from comments").fetchone() == (total,)
    assert stored.execute("select count(*) from rule_decisions").fetchone() == (total,)
    assert stored.execute("select count(*) from runs").fetchone() == (RUNS + earlier,)
