"""Scoring archives: `moderation score` against a plain Detoxify loop, in the same run.

    .venv/bin/python benchmarks/archive_speed.py [--comments 400] [--memory 10000,100000]

Builds a Detoxify checkpoint of bert-base's shape (vocabulary 30,522, hidden 768, 12
layers) with random weights: inference cost does not depend on weight values, and no
download is needed. Over generated comments of news-comment lengths it reports:

- a plain loop of `Detoxify.predict(text)` (the baseline), in comments/s;
- `moderation score` end to end (read, VADER, Detoxify, rules, store) in fp32 and in int8
  (ONNX Runtime, prepared before the timed run), as comments/s and as a ratio to the
  baseline (targets 1.3x and 4x), with int8's largest score difference from fp32;
- end-to-end time over the pure model time on the same comments (target under 1.1x);
- a cached re-run against the first run (target over 50x);
- peak memory of `moderation score` with the fallback scorer for two archive sizes
  (target: the larger within 1.2x of the smaller).
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
from comments import COMMON, SPICE, comments

from moderation.pipeline import RunOptions, score_paths
from moderation.scoring.toxicity import load_detoxify, open_toxicity_scorer
from moderation.settings import Settings, ToxicitySettings

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def build_bert_base(folder: Path) -> tuple[Path, Path]:
    """A bert-base-shaped Detoxify checkpoint with random weights, and its config folder."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    words = sorted({w.lower() for phrase in (*COMMON, *SPICE) for w in phrase.split()})
    filler = [f"tok{i}" for i in range(30522 - 5 - len(words) - 26)]
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *words,
        *"abcdefghijklmnopqrstuvwxyz",
        *filler,
    ]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    config_dir = folder / "config"
    BertTokenizer(str(folder / "vocab.txt"), model_max_length=512).save_pretrained(config_dir)
    config = BertConfig(num_labels=len(CLASSES))  # bert-base: 30522 x 768, 12 layers, 12 heads
    config.save_pretrained(config_dir)
    model = BertForSequenceClassification(config)
    checkpoint = folder / "bert-base.ckpt"
    arch = {"model_type": "bert-base-uncased", "model_name": "BertForSequenceClassification",
            "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}  # fmt: skip
    torch.save(
        {
            "config": {"arch": {"args": arch}, "dataset": {"args": {"classes": CLASSES}}},
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, config_dir


def write_archive(path: Path, count: int, seed: int = 7) -> None:
    with path.open("w") as stream:
        for i, text in enumerate(comments(count, seed)):
            stream.write(
                json.dumps(
                    {"id": i, "text": text, "author": f"user{i % 97}", "article": f"a{i % 13}"}
                )
                + "\n"
            )


def run(archive: Path, db: Path, toxicity: ToxicitySettings) -> tuple[float, object]:
    settings = Settings(db=str(db), rules=ROOT / "rules" / "default.yml", toxicity=toxicity)
    started = time.perf_counter()
    report = score_paths(
        [archive], settings, lambda: open_toxicity_scorer(toxicity), None, RunOptions()
    )
    return time.perf_counter() - started, report


# VmHWM (peak resident memory) starts afresh at exec, unlike ru_maxrss, which a child
# inherits from this process (and this process holds a bert-base model).
_MEASURE = (
    "import sys\n"
    "from moderation.cli import cli\n"
    "try:\n    cli(sys.argv[1:], prog_name='moderation')\n"
    "except SystemExit:\n    pass\n"
    "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "print(peak, file=sys.stderr)\n"
)


def peak_memory(archive: Path, db: Path) -> int:
    """Peak resident memory (KiB) of `moderation score` on the archive, in its own process."""
    command = [
        sys.executable,
        "-c",
        _MEASURE,
        "score",
        str(archive),
        "--db",
        str(db),
        "-q",
        "--json",
    ]
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
    )
    done = subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        text=True,
    )
    return int(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument(
        "--memory", default="10000,100000", help="two archive sizes for the memory check"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        checkpoint, config_dir = build_bert_base(folder)
        archive = folder / "comments.jsonl"
        write_archive(archive, args.comments)
        texts = [json.loads(line)["text"] for line in archive.read_text().splitlines()]
        fp32 = ToxicitySettings(checkpoint=checkpoint, config_dir=config_dir)

        scorer = load_detoxify(fp32)
        detoxify = scorer._detoxify
        started = time.perf_counter()
        for text in texts:
            detoxify.predict(text)
        plain = time.perf_counter() - started

        started = time.perf_counter()
        scorer.score(texts)
        model_only = time.perf_counter() - started

        first, report = run(archive, folder / "fp32.db", fp32)
        cached, _ = run(archive, folder / "fp32.db", fp32)
        int8 = ToxicitySettings(
            checkpoint=checkpoint,
            config_dir=config_dir,
            precision="int8",
            cache_dir=folder / "cache",
        )
        fast_scorer = load_detoxify(int8)
        fast, fast_report = run(archive, folder / "int8.db", int8)

        small, large = (int(n) for n in args.memory.split(","))
        sizes = {}
        for count in (small, large):
            path = folder / f"memory-{count}.jsonl"
            write_archive(path, count, seed=count)
            sizes[count] = peak_memory(path, folder / f"memory-{count}.db")

    n = len(texts)
    print(
        f"comments: {n} (mean {sum(map(len, texts)) / n:.0f} characters); model: bert-base shape, random weights, CPU threads {os.cpu_count()}"
    )
    print(f"plain Detoxify.predict loop:        {n / plain:7.1f} comments/s")
    print(
        f"moderation score, fp32:             {n / first:7.1f} comments/s  = {plain / first:5.2f}x the loop (target >= 1.3x)"
    )
    print(
        f"moderation score, {fast_report.toxicity_model.rsplit('+', 1)[-1] if '+' in fast_report.toxicity_model else 'fp32 (int8 refused)'}:             {n / fast:7.1f} comments/s  = {plain / fast:5.2f}x the loop (target >= 4x); largest score difference from fp32 {fast_scorer.faithfulness:.4f} (bound 0.05)"
    )
    print(f"end to end / model alone (fp32):    {first / model_only:7.2f}  (target < 1.1)")
    print(f"first run / cached re-run:          {first / cached:7.1f}x (target > 50x)")
    print(
        f"peak memory, {small:,} vs {large:,} comments: {sizes[small] / 1024:.0f} MiB vs {sizes[large] / 1024:.0f} MiB = {sizes[large] / sizes[small]:.2f}x (target within 1.2x)"
    )
    print(f"flagged in the fp32 run: {report.flagged_total} of {report.comments}")


if __name__ == "__main__":
    main()
