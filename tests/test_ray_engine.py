"""`moderation score --engine ray`: texts scored on a Ray cluster of several nodes, then
decided locally, with the local engine's results comment for comment; a killed job resumes
without scoring any finished part twice."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DEFAULT_RULES, THREAD_SEED

from moderation.engines.ray import (
    BLOCK_BYTES,
    PART_RECORDS,
    RayError,
    _pool,
    local_cluster,
    read_texts,
    score_paths_ray,
)
from moderation.pipeline import RunOptions, score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.settings import Settings, ToxicitySettings
from moderation.sources import SourceOptions

COMMENTS = 2500


@pytest.fixture(scope="module")
def cluster():
    """Three nodes of one CPU each on this machine: the multi-node path, in CI."""
    with local_cluster(nodes=3, cpus=1) as address:
        yield address


def write_archive(path: Path, count: int = COMMENTS) -> Path:
    rows = []
    for i in range(count):
        row = {
            "id": i,
            "author": f"reader{i % 40}",
            "article": f"story{i % 7}",
            "text": f"Comment {i}: the council's budget {'is for idiots' if i % 9 == 0 else 'adds up'}.",
        }
        if i % 5 == 0 and i:
            row |= {
                "parent": i - 1,
                "text": f"<blockquote>comment {i - 1}</blockquote>I disagree, {i}.",
            }
        rows.append(json.dumps(row))
    rows.insert(10, '{"id": "broken", "text": ')  # a bad record, reported by both engines
    path.write_text("\n".join(rows) + "\n")
    return path


def stored(db: Path) -> dict[str, list]:
    with sqlite3.connect(db) as connection:
        return {
            "decisions": connection.execute(
                "select c.id, c.author, c.text, c.quote, c.parent_id, d.action, d.rule_ids, d.top_score "
                "from comments c left join rule_decisions d on d.comment_id = c.id order by c.id"
            ).fetchall(),
            "scores": connection.execute(
                "select text_key, model, labels from scores order by text_key, model"
            ).fetchall(),
        }


def test_the_ray_engine_gives_the_local_results_comment_for_comment(
    cluster, tiny_settings, tmp_path
):
    archive = write_archive(tmp_path / "archive.jsonl")
    inputs = [archive, THREAD_SEED]  # an archive and a saved page
    local = replace(tiny_settings, db=str(tmp_path / "local.db"))
    on_ray = replace(tiny_settings, db=str(tmp_path / "ray.db"))
    local_report = score_paths(inputs, local, lambda: open_toxicity_scorer(local.toxicity))
    report = score_paths_ray(inputs, on_ray, RunOptions(), parts_dir=tmp_path / "parts")
    assert report.parts_scored == 4 and report.run.scored_texts == 0  # decided from the cache
    assert report.run.bad_total == local_report.bad_total == 1
    assert report.run.comments == local_report.comments > COMMENTS
    on_ray, here = stored(tmp_path / "ray.db"), stored(tmp_path / "local.db")
    assert on_ray["decisions"] == here["decisions"]
    # Scores agree to float noise: a batch's other texts and the thread count change the
    # order of a model's sums in the last bits (about 1e-7), locally as well.
    assert [(k, m) for k, m, _ in on_ray["scores"]] == [(k, m) for k, m, _ in here["scores"]]
    for (_, _, mine), (_, _, theirs) in zip(on_ray["scores"], here["scores"], strict=True):
        mine, theirs = json.loads(mine), json.loads(theirs)
        assert mine.keys() == theirs.keys()
        assert all(abs(mine[label] - theirs[label]) < 1e-6 for label in mine)
    assert report.run.toxicity_model.startswith("detoxify-local:")  # the actors' model


def test_a_killed_job_resumes_and_scores_no_finished_part_twice(cluster, tmp_path):
    archive = write_archive(tmp_path / "archive.jsonl", 20_000)  # blocks for several rounds
    parts, db = tmp_path / "parts", tmp_path / "m.db"
    moderation = str(Path(sys.executable).parent / "moderation")
    command = [moderation, "score", str(archive), "--engine", "ray", "--address", cluster,
               "--parts", str(parts), "--db", str(db), "--rules", str(DEFAULT_RULES), "-q"]  # fmt: skip
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while job.poll() is None and not list(parts.glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    first = {p.name: p.stat().st_mtime_ns for p in parts.glob("*.parquet")}
    parts_in_all = -(-20_001 // PART_RECORDS)  # 20,000 comments and one bad record
    assert 1 <= len(first) < parts_in_all, "the kill landed after the first part, before the last"
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 3, again.stderr  # the one bad record was skipped
    assert f"{parts_in_all - len(first)} part(s) scored now" in again.stdout
    assert f"{len(first)} from before" in again.stdout
    assert f"{parts_in_all} part(s) loaded into the score cache" in again.stdout
    assert {
        p.name: p.stat().st_mtime_ns for p in parts.glob("*.parquet") if p.name in first
    } == first
    assert len(list(parts.glob("*.parquet"))) == parts_in_all
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from comments").fetchone() == (20_000,)
        assert connection.execute("select count(*) from rule_decisions").fetchone() == (20_000,)


def test_an_archive_is_read_as_a_stream_of_small_blocks(cluster, tmp_path):
    # Ray Data joined a read task's blocks up to 128 MiB: an archive that size was held
    # whole in the read worker, and scoring waited until it was all read.
    archive = write_archive(tmp_path / "archive.jsonl", 30_000)
    blocks = list(
        read_texts([(archive, "jsonl")], SourceOptions()).iter_batches(
            batch_size=None, batch_format="pyarrow"
        )
    )
    assert len(blocks) > 1 and all(b.nbytes <= 1.5 * BLOCK_BYTES for b in blocks)
    assert len(blocks) <= -(-30_001 // PART_RECORDS)  # not cut into slivers of a few rows
    texts = sum(b.num_rows for b in blocks)
    assert texts == len(set().union(*(b.column("text_key").to_pylist() for b in blocks)))


def test_a_finished_job_run_again_needs_no_ray_and_loads_only_parts_not_loaded(
    cluster, tiny_settings, tmp_path
):
    archive = write_archive(tmp_path / "archive.jsonl", 3000)
    settings, parts = replace(tiny_settings, db=str(tmp_path / "m.db")), tmp_path / "parts"
    first = score_paths_ray([archive], settings, RunOptions(), parts_dir=parts)
    assert first.parts_scored == first.parts_loaded == 4  # 3,000 comments and a bad record
    decided = stored(tmp_path / "m.db")
    # nothing answers at this address: a job with every part scored never asks for Ray
    again = score_paths_ray([archive], settings, RunOptions(), "127.0.0.1:1", parts)
    assert (again.actors, again.parts_scored, again.parts_loaded) == (0, 0, 0)
    assert again.parts_done_before == 4 and again.run.scored_texts == 0
    assert stored(tmp_path / "m.db") == decided
    # a part lost before the job finished: that part alone is scored and loaded again
    sorted(parts.glob("*.parquet"))[1].unlink()
    (parts / "complete").unlink()
    third = score_paths_ray([archive], settings, RunOptions(), parts_dir=parts)
    assert (third.parts_done_before, third.parts_scored, third.parts_loaded) == (3, 1, 1)
    assert stored(tmp_path / "m.db") == decided


@pytest.mark.parametrize(
    ("toxicity", "asked"),
    [
        (ToxicitySettings(device="cuda"), (1.0, 1.0, 3)),  # a GPU an actor
        (ToxicitySettings(device="cuda", model="original-small"), (1.0, 0.5, 6)),
        (ToxicitySettings(), (4, 0.0, 3)),  # actors of the smallest node's CPUs
        (ToxicitySettings(threads=2), (2, 0.0, 6)),
    ],
)
def test_actors_ask_for_a_gpu_each_half_of_one_for_small_models_or_a_nodes_cpus(toxicity, asked):
    nodes = [
        {"Alive": True, "Resources": {"CPU": 8.0, "GPU": 2.0}},
        {"Alive": True, "Resources": {"CPU": 4.0, "GPU": 1.0}},
        {"Alive": False, "Resources": {"CPU": 64.0, "GPU": 8.0}},  # a dead node counts for nothing
    ]
    assert _pool(toxicity, nodes) == asked


def test_cuda_on_a_cluster_without_gpus_is_one_line(cluster, tmp_path):
    archive = write_archive(tmp_path / "archive.jsonl", 10)
    settings = replace(
        Settings(db=str(tmp_path / "m.db"), rules=DEFAULT_RULES),
        toxicity=ToxicitySettings(device="cuda"),
    )
    with pytest.raises(RayError, match=r"^--device cuda: the Ray cluster has no GPU$"):
        score_paths_ray([archive], settings, RunOptions(), parts_dir=tmp_path / "parts")


def test_an_address_nothing_answers_at_is_one_line_at_once(runner, tmp_path):
    from moderation.cli import cli

    archive = write_archive(tmp_path / "archive.jsonl", 10)
    result = runner.invoke(
        cli, ["score", str(archive), "--engine", "ray", "--address", "127.0.0.1:1"]
    )
    assert result.exit_code == 1
    assert "Error: cannot reach a Ray cluster at 127.0.0.1:1 (Connection refused)" in result.output
    assert not (tmp_path / "moderation.db").exists()  # nothing was started or stored
