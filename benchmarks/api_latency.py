"""Live API latency and throughput: 20 concurrent clients against a running server.

    .venv/bin/python benchmarks/api_latency.py [--seconds 60] [--only offline|int8]

Starts `moderation serve` (one process, threads, the model loaded once) on 127.0.0.1
and sends it Perspective `comments:analyze` requests with generated comments of news
lengths, each text new (so no score comes from the cache), doNotStore on as Coral sends.

- offline stack (alt-profanity-check + VADER + rules/default.yml): 20 clients at 50
  requests/s in all for --seconds; p50/p95/p99 latency, errors (target p99 <= 25 ms);
  then the same load as signed Coral phase requests, each comment stored;
- bert-base-shaped Detoxify checkpoint (random weights), int8: the `moderation score`
  int8 rate on the same texts; then 20 clients sending as fast as answered (throughput,
  target >= 0.8x that rate: batching across requests works); then half that load
  (target p99 <= 1 s).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from archive_speed import build_bert_base, write_archive
from comments import comments
from cpu import cpu_line

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
MODERATION = [str(Path(sys.executable).parent / "moderation")]
ENV = dict(
    os.environ,
    HF_HUB_OFFLINE="1",
    HTTPS_PROXY="http://127.0.0.1:9",
    HTTP_PROXY="http://127.0.0.1:9",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`moderation serve` in a child process, with one API key."""

    def __init__(self, folder: Path, config: Path | None, kind: str) -> None:
        self.port = free_port()
        db = folder / f"live-{self.port}.db"
        base = self.base = ["--db", str(db)] + (["--config", str(config)] if config else [])
        self.key = self._cli(["keys", "add", "bench", "--rate", "100000", *base]).strip()
        self.log = (folder / "serve.log").open("w")
        if kind == "gunicorn":  # the README's production command: one process, threads
            command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                       "--workers", "1", "--threads", "32", "webui:create_app()"]  # fmt: skip
            env = (
                ENV
                | {"MODERATION_DB": str(db)}
                | ({"MODERATION_CONFIG": str(config)} if config else {})
            )
        else:
            command, env = [*MODERATION, "serve", "--port", str(self.port), *base], ENV
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    self._warm()
                    return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("the server did not start: see serve.log")

    def _warm(self) -> None:
        """A few requests first: a server that loads its model on first use loads it now."""
        for attribute in ("TOXICITY", "PROFANITY"):
            body = {"comment": {"text": "warming up"}, "requestedAttributes": {attribute: {}}}
            request(self.port, "POST", f"/v1alpha1/comments:analyze?key={self.key}", body)

    @staticmethod
    def _cli(args: list[str]) -> str:
        done = subprocess.run(
            [*MODERATION, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True
        )
        return done.stdout

    def memory_mib(self) -> float:
        """Resident memory of the serving process (gunicorn's worker, or `moderation serve`)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        sizes = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(
                int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
            )
        return max(sizes) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()
        self.log.close()


def request(
    port: int, method: str, path: str, body: dict | bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {"Content-Type": "application/json"} | (headers or {})
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def analyze(server: Server, attribute: str) -> Callable[[str], tuple[int, bytes]]:
    """Perspective requests for one attribute, doNotStore on as Coral sends them."""

    def send(text: str) -> tuple[int, bytes]:
        body = {
            "comment": {"text": text},
            "requestedAttributes": {attribute: {}},
            "doNotStore": True,
        }
        return request(server.port, "POST", f"/v1alpha1/comments:analyze?key={server.key}", body)

    return send


def coral_phase(server: Server) -> Callable[[str], tuple[int, bytes]]:
    """Signed Coral phase requests: each comment new, from 500 authors in 50 stories."""
    secret = "ssc_benchmark-secret-0123456789"
    Server._cli(["coral", "add-phase", "bench", "--secret", secret, *server.base])
    count = itertools.count()

    def send(text: str) -> tuple[int, bytes]:
        n = next(count)
        body = json.dumps({
            "action": "NEW", "comment": {"body": f"<p>{text}</p>", "parentID": None},
            "author": {"id": f"user{n % 500}", "role": "COMMENTER"},
            "story": {"id": f"story{n % 50}", "url": f"https://news.example/{n % 50}"},
            "site": {"id": "site"}, "tenantID": "tenant", "tenantDomain": "news.example",
        }).encode()  # fmt: skip
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return request(
            server.port, "POST", "/coral/moderation", body, {"X-Coral-Signature": signature}
        )

    return send


def load(
    send: Callable[[str], tuple[int, bytes]], texts: list[str], seconds: float, rate: float | None
) -> dict:
    """CLIENTS threads for `seconds`: each at rate/CLIENTS requests/s, or as fast as answered."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    texts_iter = iter(texts)
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        interval = CLIENTS / rate if rate else 0.0
        next_at = time.monotonic() + index * interval / CLIENTS
        while True:
            if rate:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            if time.monotonic() >= stop_at:
                return
            with lock:
                text = next(texts_iter, None)
            if text is None:
                return
            started = time.perf_counter()
            try:
                status, answer = send(text)
            except OSError as exc:
                status, answer = 0, str(exc).encode()
            took = time.perf_counter() - started
            with lock:
                if status in (200, 204):
                    latencies.append(took)
                else:
                    errors.append(f"{status}: {answer[:200]!r}")

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {"ok": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}  # fmt: skip


def report(name: str, result: dict, target: str) -> None:
    print(
        f"{name}: {result['rps']:.1f} requests/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, {len(result['errors'])} error(s)  ({target})"
    )
    for error in result["errors"][:3]:
        print(f"    {error}")


def unique_texts(count: int, seed: int) -> list[str]:
    return [f"{text} (#{i})" for i, text in enumerate(comments(count, seed))]


def offline(folder: Path, seconds: float, kind: str) -> None:
    server = Server(folder, None, kind)
    try:
        result = load(
            analyze(server, "PROFANITY"), unique_texts(int(seconds * 60) + 100, 11), seconds, 50
        )
        report(
            "offline stack, Perspective analyze, 20 clients at 50 requests/s",
            result,
            "target p99 <= 25 ms, no errors",
        )
        result = load(coral_phase(server), unique_texts(int(seconds * 60) + 100, 13), seconds, 50)
        report(
            "offline stack, Coral phase (stores each comment), 20 clients at 50 requests/s",
            result,
            "Coral's phase timeout is the bound",
        )
        print(f"serving process memory: {server.memory_mib():.0f} MiB")
    finally:
        server.stop()


def int8(folder: Path, seconds: float, kind: str) -> None:
    from moderation.pipeline import score_paths
    from moderation.scoring.toxicity import load_detoxify, open_toxicity_scorer
    from moderation.settings import Settings, ToxicitySettings

    checkpoint, config_dir = build_bert_base(folder)
    toxicity = ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir, precision="int8",
                                cache_dir=folder / "cache")  # fmt: skip
    load_detoxify(toxicity)  # prepares the int8 model once, as a first run would
    config = folder / "moderation.toml"
    config.write_text(
        f'[toxicity]\ncheckpoint = "{checkpoint}"\nconfig_dir = "{config_dir}"\n'
        f'precision = "int8"\ncache_dir = "{folder / "cache"}"\n'
    )
    archive = folder / "rate.jsonl"
    count = 600
    write_archive(archive, count, seed=23)
    settings = Settings(
        db=str(folder / "rate.db"), rules=ROOT / "rules" / "default.yml", toxicity=toxicity
    )
    started = time.perf_counter()
    done = score_paths([archive], settings, lambda: open_toxicity_scorer(toxicity))
    score_rate = done.comments / (time.perf_counter() - started)
    print(
        f"moderation score, {done.toxicity_model.rsplit('+', 1)[-1]}: {score_rate:.1f} comments/s over {count} comments (model load included)"
    )
    texts = [json.loads(line)["text"] for line in archive.read_text().splitlines()]
    more = unique_texts(int(seconds * score_rate * 3) + 200, 29)
    server = Server(folder, config, kind)
    try:
        busy = load(analyze(server, "TOXICITY"), texts + more, seconds, None)
        report(
            "bert-base int8, 20 clients as fast as answered",
            busy,
            f"throughput {busy['rps'] / score_rate:.2f}x the moderation score rate, target >= 0.8x",
        )
        half = load(
            analyze(server, "TOXICITY"),
            unique_texts(int(seconds * busy["rps"]) + 200, 31),
            seconds,
            busy["rps"] / 2,
        )
        report(
            f"bert-base int8, 20 clients at {busy['rps'] / 2:.1f} requests/s (half)",
            half,
            "target p99 <= 1000 ms",
        )
        print(f"serving process memory: {server.memory_mib():.0f} MiB")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--only", choices=["offline", "int8"])
    parser.add_argument(
        "--server", choices=["gunicorn", "serve"], default="gunicorn",
        help="gunicorn as in the README's production command, or `moderation serve`",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ.update(HF_HUB_OFFLINE="1")
    print(cpu_line(), f"server: {args.server}")
    with tempfile.TemporaryDirectory() as name:
        if args.only in (None, "offline"):
            offline(Path(name), args.seconds, args.server)
        if args.only in (None, "int8"):
            int8(Path(name), args.seconds, args.server)


if __name__ == "__main__":
    main()
