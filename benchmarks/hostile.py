"""Hostile input, timed: the worst single comment and the peak memory over the suite.

    .venv/bin/python benchmarks/hostile.py [--huge-mb 200]

1. Single comments with the fallback stack (alt-profanity-check + VADER + the shipped
   rules), in one process: the time `Moderator.moderate` takes for one comment of
   240 KB, 5 MB and --huge-mb MB (target: each < 1 s), and the process's peak memory.
2. Every case of `tests/hostile/cases.py` (the suite the tests run), each as its own
   `moderation score` process on a fresh store: seconds, peak memory (RSS), exit code.
   Then one `moderation score` of a file holding a single --huge-mb MB comment.

Prints the worst single-comment time and the peak memory over all of it, with the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from cases import CASES  # noqa: E402
from cpu import cpu_line  # noqa: E402

MODERATION = str(Path(sys.executable).parent / "moderation")
SENTENCE = "You are such an idiot, and the council budget is a scam. "


def long_text(size: int) -> str:
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size]


def single_comments(sizes: list[int]) -> list[tuple[int, float]]:
    """(size, seconds) for one comment of each size, after a warm-up."""
    from moderation.core import Moderator
    from moderation.settings import load_settings

    moderator = Moderator.from_settings(load_settings(rules=ROOT / "rules" / "default.yml"))
    moderator.moderate("warm up: loads the models")
    timings = []
    for size in sizes:
        text = long_text(size)
        start = time.perf_counter()
        result = moderator.moderate(text)
        timings.append((size, time.perf_counter() - start))
        assert result.decision.action == "hold", "a comment this long must go to a human"
        del text, result
    return timings


def run(args: list[str], db: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one `moderation score` process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [MODERATION, "score", "--db", str(db), *args, "-q"],  # a case's own --db comes last
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    _, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--huge-mb", type=int, default=200, help="size of the largest comment")
    options = parser.parse_args()
    huge = options.huge_mb * 1_000_000
    print(cpu_line())

    # The processes first: a child's peak memory counts from its parent's at the fork.
    print("\nThe hostile suite, one `moderation score` process a case:")
    peaks = []
    with tempfile.TemporaryDirectory() as folder:
        for n, case in enumerate(CASES):
            place = Path(folder) / f"case{n}"
            place.mkdir()
            seconds, peak, code = run(case.make(place), place / "m.db")
            peaks.append((peak, case.name))
            print(f"  {seconds:6.2f} s {peak:7.0f} MB  exit {code}  {case.name} ({case.verdict})")
        path = Path(folder) / "huge.jsonl"
        path.write_text(json.dumps({"id": 1, "text": long_text(huge), "author": "a"}) + "\n")
        seconds, peak, code = run([str(path)], Path(folder) / "huge.db")
        peaks.append((peak, f"one {options.huge_mb} MB comment"))
        print(
            f"  {seconds:6.2f} s {peak:7.0f} MB  exit {code}  one {options.huge_mb} MB comment, end to end"
        )

    print("\nOne comment, fallback stack, in one process (target: each < 1 s):")
    timings = single_comments([240_000, 5_000_000, huge])
    for size, seconds in timings:
        print(f"  {size / 1e6:8.2f} MB  {seconds:6.3f} s")
    in_process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of that process: {in_process:.0f} MB")

    worst_size, worst = max(timings, key=lambda t: t[1])
    print(f"\nWorst single-comment time: {worst:.3f} s ({worst_size / 1e6:.2f} MB; target < 1 s)")
    peak, name = max(peaks)
    print(f"Peak memory over the suite: {peak:.0f} MB ({name})")


if __name__ == "__main__":
    main()
