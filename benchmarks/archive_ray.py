"""The Ray engine against the local engine, in the same run.

    .venv/bin/python benchmarks/archive_ray.py [--comments 2000] [--memory 100000,1000000] [--only rate|cluster|memory]

1. Rate: `moderation score` over --comments generated comments with a bert-base-shaped
   Detoxify checkpoint (random weights; int8), each run its own process as a user runs
   it, by the local engine and by the Ray engine: starting a local Ray itself, and on a
   local Ray of this machine's CPUs that is already up; comments/s end to end and the
   ratio (target >= 0.8x).
2. A 3-node local cluster (one CPU each, on this machine) with the fallback scorer: the
   decisions equal the local engine's, comment for comment.
3. Memory: the scoring step alone over two archive sizes with the fallback scorer (the
   default weights are kept out of reach, so this holds with internet too); the
   peak memory of each Ray worker process (sampled), its own and all it has resident;
   target: its own memory for the larger within 1.2x of that for the smaller.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
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
MODERATION = str(Path(sys.executable).parent / "moderation")
# Detoxify's default weights are kept out of reach (no proxy answers), so the default
# settings score with the fallback whether or not this machine has internet.
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
FALLBACK = ToxicitySettings(threads=1)  # one actor a CPU: VADER runs in one thread


def settings(db: Path, toxicity: ToxicitySettings) -> Settings:
    return Settings(db=str(db), rules=ROOT / "rules" / "default.yml", toxicity=toxicity)


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
    """Peak memory of every Ray worker process, sampled while a job runs: its own (RssAnon:
    heap and stacks) and all it has resident, which also counts the pages of the node's
    shared object store it has touched (bounded by the store's size, not the worker's)."""

    def __init__(self) -> None:
        self.peaks: dict[int, tuple[str, int, int]] = {}
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
                kib = {x.split(":")[0]: int(x.split()[1]) for x in status.splitlines() if "kB" in x}
                name, own, rss = self.peaks.get(int(pid), ("", 0, 0))
                task = command.split(b"\0")[0].decode(errors="replace").removeprefix("ray::")
                if task != "IDLE":  # what the worker ran, not that it has finished
                    name = task
                self.peaks[int(pid)] = (name, max(own, kib["RssAnon"]), max(rss, kib["VmRSS"]))

    def stop(self) -> tuple[tuple[str, int], tuple[str, int]]:
        """(worker, KiB) of the highest peak of any one worker's own memory, and of its
        resident memory."""
        self._stop.set()
        self._thread.join()
        values = self.peaks.values() or [("none", 0, 0)]
        own = max(values, key=lambda p: p[1])
        rss = max(values, key=lambda p: p[2])
        return (own[0], own[1]), (rss[0], rss[2])


def scoring_memory(count: int, folder: Path) -> tuple[tuple, tuple, float]:
    """The peaks of `Peaks.stop` and the seconds of the scoring step alone over `count`
    comments."""
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
    return *peaks.stop(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--memory", default="100000,1000000", help="two archive sizes")
    parser.add_argument("--precision", default="int8", choices=["fp32", "int8"])
    parser.add_argument("--only", choices=["rate", "cluster", "memory"], help="one part only")
    options = parser.parse_args()
    os.environ.update(OFFLINE)  # before Ray starts: its workers (and the CLI's) inherit it
    print(cpu_line())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if options.only in (None, "rate"):
            rate(folder, options)
        if options.only in (None, "memory"):
            memory(folder, options)
        if options.only in (None, "cluster"):
            cluster(folder)


def rate(folder: Path, options: argparse.Namespace) -> None:
    """Part 1: both engines end to end as a user runs them, each its own process."""
    import ray

    checkpoint, config_dir = build_bert_base(folder)
    archive = folder / "archive.jsonl"
    write_archive(archive, options.comments)
    model = ["--checkpoint", str(checkpoint), "--config-dir", str(config_dir),
             "--precision", options.precision]  # fmt: skip
    cli(folder / "warm.db", [archive, *model])  # prepares the int8 model once, untimed
    local = options.comments / cli(folder / "local.db", [archive, *model])
    print(f"\n1. {options.comments} comments, bert-base {options.precision}, `moderation score`:")
    print(f"   --engine local: {local:.1f} comments/s")
    engine = ["--engine", "ray", "--parts"]  # parts of their own: nothing from an earlier run
    fresh = options.comments / cli(folder / "fresh.db", [archive, *model, *engine, folder / "p1"])
    print(
        f"   --engine ray, starting a local Ray: {fresh:.1f} comments/s = {fresh / local:.2f}x local"
    )
    context = ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    address = context.address_info["gcs_address"]
    up = options.comments / cli(
        folder / "up.db", [archive, *model, *engine, folder / "p2", "--address", address]
    )
    print(
        f"   --engine ray, Ray already up: {up:.1f} comments/s = {up / local:.2f}x local (target >= 0.8x)"
    )
    ray.shutdown()


def cli(db: Path, args: list) -> float:
    """Seconds one `moderation score` process takes."""
    start = time.perf_counter()
    subprocess.run(
        [MODERATION, "score", *map(str, args), "--db", str(db), "-q",
         "--rules", str(ROOT / "rules" / "default.yml")],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def memory(folder: Path, options: argparse.Namespace) -> None:
    """Part 3: peak memory of the Ray workers for two archive sizes."""
    import ray

    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    low, high = (int(n) for n in options.memory.split(","))
    store = ray.cluster_resources()["object_store_memory"] / 2**20
    print("\n3. Scoring step alone, fallback scorer, peak memory of any one Ray worker:")
    owns, residents = [], []
    for count in (low, high):
        (who, own), (rss_who, rss), seconds = scoring_memory(count, folder)
        owns.append(own)
        residents.append(rss)
        print(
            f"   {count:,} comments ({count / seconds:.0f} comments/s): own {own / 1024:.0f} MiB"
            f" ({who}); resident {rss / 1024:.0f} MiB ({rss_who})"
        )
    print(
        f"   own memory {owns[1] / owns[0]:.2f}x (target within 1.2x); resident"
        f" {residents[1] / residents[0]:.2f}x, which adds object-store pages a worker has touched:"
        f" the node's store is capped at {store:.0f} MiB, shared by all its workers"
    )
    ray.shutdown()


def cluster(folder: Path) -> None:
    """Part 2: a 3-node local cluster decides exactly as the local engine does."""
    from moderation.engines.ray import local_cluster

    with local_cluster(nodes=3, cpus=1):
        same = _three_nodes(folder)
    print(
        f"\n2. 3-node local cluster, 2,000 comments: decisions equal to the local engine's: {same}"
    )


def _three_nodes(folder: Path) -> bool:
    three = folder / "three"
    three.mkdir()
    write_archive(three / "archive.jsonl", 2000, seed=3)
    chosen = settings(three / "local.db", FALLBACK)
    score_paths([three / "archive.jsonl"], chosen, lambda: open_toxicity_scorer(FALLBACK))
    ray_rate(three / "archive.jsonl", three, FALLBACK, "ray")
    return decisions(three / "ray.db") == decisions(three / "local.db")


if __name__ == "__main__":
    main()
