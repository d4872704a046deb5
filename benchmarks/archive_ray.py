"""The Ray engine against the local engine, in the same run.

    .venv/bin/python benchmarks/archive_ray.py [--comments 600] [--memory 100000,1000000]

1. Rate: `moderation score` over --comments generated comments with a bert-base-shaped
   Detoxify checkpoint (random weights; int8), by the local engine and by the Ray engine
   on a local Ray of this machine's CPUs: comments/s end to end, Ray's start included and
   not (a cluster that is already up), and the ratio (target >= 0.8x).
2. A 3-node local cluster (one CPU each, on this machine) with the fallback scorer: the
   decisions equal the local engine's, comment for comment.
3. Memory: the scoring step alone over two archive sizes with the fallback scorer (the
   default weights are kept out of reach, so this holds with internet too); the
   peak resident memory of each Ray worker process (sampled) and of the driver; target:
   the larger within 1.2x of the smaller.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from archive_speed import build_bert_base, write_archive
from cpu import cpu_line

from moderation.pipeline import RunOptions, score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.settings import Settings, ToxicitySettings

ROOT = Path(__file__).resolve().parent.parent
# Detoxify's default weights are kept out of reach (no proxy answers), so the default
# settings score with the fallback whether or not this machine has internet.
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
FALLBACK = ToxicitySettings()


def settings(db: Path, toxicity: ToxicitySettings) -> Settings:
    return Settings(db=str(db), rules=ROOT / "rules" / "default.yml", toxicity=toxicity)


def local_rate(archive: Path, folder: Path, toxicity: ToxicitySettings) -> float:
    chosen = settings(folder / "local.db", toxicity)
    start = time.perf_counter()
    report = score_paths([archive], chosen, lambda: open_toxicity_scorer(toxicity))
    return report.comments / (time.perf_counter() - start)


def ray_rate(archive: Path, folder: Path, toxicity: ToxicitySettings, name: str) -> float:
    from moderation.engines.ray import score_paths_ray

    chosen = settings(folder / f"{name}.db", toxicity)
    start = time.perf_counter()
    report = score_paths_ray([archive], chosen, RunOptions(), parts_dir=folder / f"{name}-parts")
    return report.run.comments / (time.perf_counter() - start)


def decisions(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select c.id, d.action, d.rule_ids from comments c "
            "left join rule_decisions d on d.comment_id = c.id order by c.id"
        ).fetchall()


class Peaks:
    """Peak resident memory of every Ray worker process, sampled while a job runs."""

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"ray::" not in command and b"default_worker.py" not in command:
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                rss = int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
                self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0), rss)

    def stop(self) -> int:
        """The highest peak of any one worker, in KiB."""
        self._stop.set()
        self._thread.join()
        return max(self.peaks.values(), default=0)


def scoring_memory(count: int, folder: Path) -> tuple[int, float]:
    """(peak KiB of any Ray worker, seconds) of the scoring step alone over `count` comments."""
    from moderation.engines.ray import RayReport, _score_on_ray
    from moderation.sources import SourceOptions

    archive = folder / f"memory-{count}.jsonl"
    write_archive(archive, count, seed=count)
    chosen = settings(folder / f"memory-{count}.db", FALLBACK)
    parts = folder / f"memory-{count}-parts"
    parts.mkdir()
    peaks, start = Peaks(), time.perf_counter()
    _score_on_ray(
        [(archive, "jsonl")], chosen, SourceOptions(), None, parts, set(), RayReport(parts)
    )
    seconds = time.perf_counter() - start
    return peaks.stop(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=600)
    parser.add_argument("--memory", default="100000,1000000", help="two archive sizes")
    parser.add_argument("--precision", default="int8", choices=["fp32", "int8"])
    options = parser.parse_args()
    import ray

    os.environ.update(OFFLINE)  # before Ray starts: its workers inherit it
    print(cpu_line())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        checkpoint, config_dir = build_bert_base(folder)
        toxicity = ToxicitySettings(
            checkpoint=checkpoint, config_dir=config_dir, precision=options.precision
        )
        archive = folder / "archive.jsonl"
        write_archive(archive, options.comments)
        (folder / "warm").mkdir()
        local_rate(archive, folder / "warm", toxicity)  # prepares the int8 model once
        local = local_rate(archive, folder, toxicity)
        print(f"\n1. {options.comments} comments, bert-base {options.precision}:")
        print(f"   local engine: {local:.1f} comments/s")
        start = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        started = time.perf_counter() - start
        with_start = ray_rate(archive, folder, toxicity, "ray-cold")
        cold = options.comments / (options.comments / with_start + started)
        up = ray_rate(archive, folder, toxicity, "ray-warm")
        print(f"   ray engine, Ray's start ({started:.1f} s) included: {cold:.1f} comments/s = "
              f"{cold / local:.2f}x local")  # fmt: skip
        print(
            f"   ray engine, Ray already up: {up:.1f} comments/s = {up / local:.2f}x local (target >= 0.8x)"
        )

        low, high = (int(n) for n in options.memory.split(","))
        small_peak, small_seconds = scoring_memory(low, folder)
        large_peak, large_seconds = scoring_memory(high, folder)
        print("\n3. Scoring step alone, fallback scorer, peak memory of any one Ray worker:")
        print(
            f"   {low:,} comments: {small_peak / 1024:.0f} MiB ({low / small_seconds:.0f} comments/s)"
        )
        print(
            f"   {high:,} comments: {large_peak / 1024:.0f} MiB ({high / large_seconds:.0f} comments/s)"
        )
        print(f"   ratio {large_peak / small_peak:.2f}x (target within 1.2x)")
        ray.shutdown()

        from ray.cluster_utils import Cluster

        nodes = Cluster(
            initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
        )
        for _ in range(2):
            nodes.add_node(num_cpus=1)
        nodes.wait_for_nodes()
        ray.init(address=nodes.address, log_to_driver=False)
        fallback = FALLBACK
        three = folder / "three"
        three.mkdir()
        write_archive(three / "archive.jsonl", 2000, seed=3)
        chosen = settings(three / "local.db", fallback)
        score_paths([three / "archive.jsonl"], chosen, lambda: open_toxicity_scorer(fallback))
        ray_rate(three / "archive.jsonl", three, fallback, "ray")
        same = decisions(three / "ray.db") == decisions(three / "local.db")
        print(
            f"\n2. 3-node local cluster, 2,000 comments: decisions equal to the local engine's: {same}"
        )
        ray.shutdown()
        nodes.shutdown()


if __name__ == "__main__":
    main()
