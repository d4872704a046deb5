"""Folders of many small files, timed: files per second with the fallback scorer.

    .venv/bin/python benchmarks/small_files.py [--files 5000]

Writes --files one-comment files (JSON Lines, and saved page text for one in five) into
a temporary folder, then runs `moderation score FOLDER` offline (the fallback scorer,
alt-profanity-check, with VADER and the shipped rules) on a fresh store; and, in the
same run, `moderation score` of one JSON Lines file holding the same comments, as the
baseline. Each is one process, start-up included. The fallback's kept model is made
before the timed runs, as any earlier run on the machine would have made it.

Prints files per second (target: >= 200) and the folder's time over the one file's,
with the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cpu import cpu_line

MODERATION = str(Path(sys.executable).parent / "moderation")
TARGET = 200  # files per second


def comment(number: int) -> dict:
    return {
        "id": number, "author": f"reader{number % 97}", "article": f"story-{number % 40}",
        "text": f"Comment {number}: the council should publish the ferry budget, not hide it. "
        + ("What a bunch of idiots." if number % 7 == 0 else "Thanks for the reporting."),
    }  # fmt: skip


def page(number: int) -> str:
    """A saved article page whose comment section holds one comment."""
    return (
        f"Ferry timetable changes, part {number}\n\nThe council approved the timetable.\n\n"
        f"Comments\n\nreader{number} says:\nDecember 1, 2015 at 9:12 am\n"
        f"{comment(number)['text']}\nReply\n"
    )


def write_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    """(folder of one-comment files, one JSON Lines file of the same comments)."""
    many = folder / "many"
    many.mkdir()
    with (folder / "one.jsonl").open("w", encoding="utf-8") as one:
        for number in range(count):
            record = comment(number)
            one.write(json.dumps(record) + "\n")
            if number % 5 == 4:
                (many / f"{number:06d}.txt").write_text(page(number), encoding="utf-8")
            else:
                (many / f"{number:06d}.jsonl").write_text(json.dumps(record) + "\n")
    return many, folder / "one.jsonl"


def score(path: Path, db: Path, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [MODERATION, "score", str(path), "--db", str(db), "-q"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"moderation score {path} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        many, one = write_inputs(folder, args.files)
        # Offline: Detoxify's download is tried (and fails) once, then the fallback is used.
        env = os.environ | {"HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(folder / "cache"),
                            "TORCH_HOME": str(folder / "torch"), "HTTPS_PROXY": "http://127.0.0.1:9"}  # fmt: skip
        warm = folder / "warm.jsonl"
        warm.write_text(json.dumps(comment(0)) + "\n")
        score(warm, folder / "warm.db", env)  # keeps the fallback's model, notes the failure
        many_seconds = score(many, folder / "many.db", env)
        one_seconds = score(one, folder / "one.db", env)
    rate = args.files / many_seconds
    print(cpu_line())
    print(f"{args.files} one-comment files (4 in 5 JSON Lines, 1 in 5 page text), fallback scorer:")
    print(f"  folder of files: {many_seconds:.2f} s = {rate:.0f} files/s "
          f"(target >= {TARGET}: {'met' if rate >= TARGET else 'not met'})")  # fmt: skip
    print(f"  the same comments in one file: {one_seconds:.2f} s")
    print(f"  folder / one file: {many_seconds / one_seconds:.2f}x")


if __name__ == "__main__":
    main()
