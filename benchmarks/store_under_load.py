"""Moderators and a batch job on one store at once, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/store_under_load.py [--clients 20] [--seconds 60] [--comments 100000]

For each database: a store with the seeds scored and 20 moderator accounts; gunicorn with
4 workers (the README's PostgreSQL command) serving the review UI; a `moderation score`
of --comments generated comments (offline: the fallback scorer) writing into the same
store; and --clients moderators, each logged in through the real form, loading the queue
page and deciding its first comment (approve or reject, with the review id it saw) for
--seconds. Conflicts ("already decided by X") are answers, not errors; errors are 5xx
answers and failed connections. Afterwards `moderation db check` recounts the queue.

Prints per database: requests, errors, p50/p99 latency, decisions and conflicts, whether
the counts equal a recount, and how far the batch job got, with the CPU.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import postgres_server
from archive_speed import write_archive
from cpu import cpu_line

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "load-test-password"
# Offline: the fallback scorer, Detoxify's download refused at once.
ENV = os.environ | {
    "HF_HUB_OFFLINE": "1",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "PYTHONUNBUFFERED": "1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(*args: str, env: dict) -> str:
    return subprocess.run([str(BIN / "moderation"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


class Moderator(threading.Thread):
    """One moderator: queue page, then a decision on its first comment, over and over."""

    def __init__(self, base: str, name: str, until: float, action: str) -> None:
        super().__init__(daemon=True)
        self.base, self.name, self.until, self.action = base, name, until, action
        self.latencies: list[float] = []
        self.errors = self.decided = self.conflicts = 0

    def timed(self, method, url: str, **kwargs):
        started = time.perf_counter()
        try:
            answer = method(url, timeout=30, **kwargs)
        except requests.RequestException:
            self.errors += 1
            return None
        self.latencies.append(time.perf_counter() - started)
        if answer.status_code >= 500:
            self.errors += 1
        return answer

    def run(self) -> None:
        session = requests.Session()
        page = session.get(f"{self.base}/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        session.post(
            f"{self.base}/login",
            data={"name": self.name, "password": PASSWORD, "csrf_token": token},
        )
        while time.monotonic() < self.until:
            answer = self.timed(session.get, f"{self.base}/")
            if answer is None or answer.status_code != 200:
                continue
            found = re.search(r'data-id="(\w+)" data-seen="(\w*)"', answer.text)
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', answer.text)
            if not found or not csrf:
                continue
            body = {"action": self.action, "note": "",
                    "items": [{"id": found[1], "seen": int(found[2]) if found[2] else None}]}  # fmt: skip
            answer = self.timed(session.post, f"{self.base}/decisions", json=body,
                                headers={"X-CSRFToken": csrf[1]})  # fmt: skip
            if answer is not None and answer.status_code == 200:
                ok = answer.json()["results"][0]["ok"]
                self.decided += ok
                self.conflicts += not ok


def measure(url: str, folder: Path, args) -> dict:
    env = ENV | {
        "MODERATION_DB": url,
        "XDG_CACHE_HOME": str(folder / "cache"),
        "TORCH_HOME": str(folder / "torch"),
    }
    cli("score", str(ROOT / "seeds"), str(ROOT / "tests" / "data" / "html"), "-q", env=env)
    for n in range(args.clients):
        cli("users", "add", f"mod{n}", "--role", "moderator", "--password", PASSWORD, env=env)
    archive = folder / f"archive-{abs(hash(url))}.jsonl"
    write_archive(archive, args.comments)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "4", "--threads", "8",
         "webui:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(f"{base}/login", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.5)
    job = subprocess.Popen([str(BIN / "moderation"), "score", str(archive), "-q"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(2)  # the job is writing
    until = time.monotonic() + args.seconds
    moderators = [
        Moderator(base, f"mod{n}", until, ("approve", "reject")[n % 2]) for n in range(args.clients)
    ]
    for moderator in moderators:
        moderator.start()
    for moderator in moderators:
        moderator.join()
    job_running = job.poll() is None
    server.terminate()
    server.wait()
    job.wait()
    check = subprocess.run([str(BIN / "moderation"), "db", "check"], env=env, cwd=ROOT,
                           capture_output=True, text=True)  # fmt: skip
    latencies = sorted(x for m in moderators for x in m.latencies)
    stored = (
        int(re.search(r"comments: (\d+) row", check.stdout)[1]) if check.returncode == 0 else None
    )
    return {
        "requests": len(latencies), "errors": sum(m.errors for m in moderators),
        "p50": statistics.median(latencies) if latencies else 0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] if latencies else 0,
        "decided": sum(m.decided for m in moderators), "conflicts": sum(m.conflicts for m in moderators),
        "check": check.returncode == 0, "check_output": (check.stderr or check.stdout)[-500:],
        "job": "still running when the load ended" if job_running else f"exit {job.returncode}",
        "job_error": (job.stderr or "")[-300:] if job.returncode not in (0, None) else "", "stored": stored,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(f"{folder}/load.db", Path(folder), args)
    with tempfile.TemporaryDirectory() as folder, postgres_server.server() as admin, \
            postgres_server.database(admin) as url:  # fmt: skip
        results["PostgreSQL"] = measure(url, Path(folder), args)
    print(cpu_line())
    print(f"{args.clients} moderators for {args.seconds} s (queue page, then a decision), gunicorn "
          f"with 4 workers, while `moderation score` of {args.comments:,} comments writes:")  # fmt: skip
    for name, r in results.items():
        print(f"  {name}: {r['requests']} requests, {r['errors']} errors, p50 {r['p50'] * 1000:.0f} ms, "
              f"p99 {r['p99'] * 1000:.0f} ms; {r['decided']} decisions, {r['conflicts']} told "
              f"'already decided'; counts {'equal a recount' if r['check'] else 'DIFFER: ' + r['check_output']}; "
              f"batch job {r['job']} ({r['stored']} comments stored){' ' + r['job_error'] if r['job_error'] else ''}")  # fmt: skip


if __name__ == "__main__":
    main()
