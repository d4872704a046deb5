"""Every hostile input gets its verdict from `moderation score`: a reported bad record, one
clear error line with the store left as it was, or the comment held for a human."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from cases import BAD, CASES, ERROR, HELD, READ, record

from moderation.cli import cli

TABLES = ("comments", "rule_decisions", "runs", "scores")


@pytest.fixture(scope="module")
def stored_before(tmp_path_factory):
    """A store that already holds a run, copied for each case: nothing may be lost."""
    folder = tmp_path_factory.mktemp("before")
    (folder / "earlier.jsonl").write_text(json.dumps(record(100, article="earlier")) + "\n")
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli, ["score", str(folder / "earlier.jsonl"), "--db", str(folder / "m.db"), "-q"]
    )
    assert result.exit_code == 0, result.output
    return folder / "m.db"


def counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        return {t: connection.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def authors(db) -> dict[str, str]:
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("select id, author from comments"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_input_gets_its_verdict(runner, tmp_path, stored_before, case):
    db = tmp_path / "moderation.db"
    shutil.copy(stored_before, db)
    before = counts(db)
    folder = tmp_path / "input"
    folder.mkdir()
    args = case.make(folder)
    result = runner.invoke(cli, ["score", *args, "--json", "-q"])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    if case.verdict == ERROR:
        assert result.exit_code == 1
        [line] = [x for x in result.output.splitlines() if x.startswith("Error: ")]
        assert case.expect in line
        after = counts(db)
        if case.midway:  # the batches before the fault are kept whole, each with its decision
            assert all(after[t] >= before[t] for t in TABLES)
            assert (
                after["comments"] - before["comments"]
                == after["rule_decisions"] - before["rule_decisions"]
            )
        else:
            assert after == before
        return
    # Exit status: 3 when bad records were skipped, 4 when the input gave no comment at all.
    expected = (3 if case.kept else 4) if case.verdict == BAD else 0
    assert result.exit_code == expected, result.output
    after = counts(db)
    assert after["runs"] == before["runs"] + 1
    if case.verdict == BAD:
        skipped = [x for x in result.output.splitlines() if x.startswith("warning: skipped ")]
        assert len(skipped) == case.bad and case.expect in skipped[0]
        assert after["comments"] == before["comments"] + case.kept  # the good records around it
    elif case.verdict == HELD:
        flagged = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
        [held] = [f for f in flagged if f["rules"][0]["rule_id"] == "unreadable-text"]
        assert held["action"] == "hold" and case.expect in " ".join(held["rules"][0]["reasons"])
    elif case.verdict == READ:
        new = {c: a for c, a in authors(db).items() if c not in authors(stored_before)}
        assert case.expect in (str(len(new)), *new.values())
