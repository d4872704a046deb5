"""Scoring archives: `moderation score` against a plain Detoxify loop, in the same run.

    .venv/bin/python benchmarks/archive_speed.py [--comments 400] [--texts FILE] [--runs 3]
        [--scale 2000] [--memory 10000,100000]

Builds a Detoxify checkpoint of bert-base's shape (vocabulary 30,522, hidden 768, 12
layers) with random weights: inference cost does not depend on weight values, and no
download is needed. It prints the CPU and its instruction sets first, then:

- for generated comments (news-comment lengths) and real-length ones (real news comments
  joined to a mean of about 600 characters, or your own with --texts): a plain loop of
  `Detoxify.predict(text)` (the baseline, which truncates at 512 tokens), then
  `moderation score` end to end (read, VADER, Detoxify, rules, store) in fp32 and with
  default settings (the precision chosen here, once measured), as ratios to the loop,
  taking turns round by round (--runs); and how many other readings of the comments the
  shipped rules have the model score (identity-neutral, evasion undone), which the loop
  does not;
- what a 600-token comment costs against a 512-token one (its windows);
- the model alone on the same comments, and, for int8, its time by kind of work (ONNX
  Runtime's profile): int8 speeds up the matrix products, not the work around them;
- end-to-end time over the model's own time on the same comments, and a cached re-run;
- the wall time of the `moderation score` command on one comment, warm cache;
- peak memory of `moderation score` with the fallback scorer for two archive sizes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from comments import COMMON, SPICE, comments
from cpu import cpu_line

from moderation.pipeline import RunOptions, score_paths
from moderation.rules import load_rules
from moderation.scoring.toxicity import load_detoxify, load_torch_detoxify, open_toxicity_scorer
from moderation.settings import Settings, ToxicitySettings
from moderation.sources import Found, SourceOptions, read

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def build_bert_base(folder: Path) -> tuple[Path, Path]:
    """A bert-base-shaped Detoxify checkpoint with random weights, and its config folder.

    Its WordPiece vocabulary is trained on real comments (the evaluation samples), so real
    text splits into about as many tokens as bert-base-uncased makes of it (4.4 characters
    a token), then filled up to bert-base's 30,522 entries."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    trainer = BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator([*real_comments(), " ".join(COMMON), *SPICE], vocab_size=5000)
    vocab = sorted(trainer.get_vocab(), key=trainer.get_vocab().get)
    vocab += [f"[unused{i}]" for i in range(30522 - len(vocab))]
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


def real_comments() -> list[str]:
    """Real news and social-media comments: the project's evaluation samples."""
    folder = ROOT / "tests" / "data" / "eval"
    with (
        (folder / "toxic_spans_sample.csv").open(newline="") as spans,
        (folder / "davidson_sample.csv").open(newline="") as tweets,
    ):
        return [r["text"] for r in csv.DictReader(spans)] + [
            r["tweet"] for r in csv.DictReader(tweets)
        ]


def write_archive(path: Path, count: int, seed: int = 7) -> None:
    with path.open("w") as stream:
        for i, text in enumerate(comments(count, seed)):
            stream.write(
                json.dumps(
                    {"id": i, "text": text, "author": f"user{i % 97}", "article": f"a{i % 13}"}
                )
                + "\n"
            )


def write_real_length(path: Path, count: int, seed: int = 11) -> None:
    """Comments of the lengths real news comments have (mean about 600 characters, a few
    percent past 512 tokens), made of real comments joined one after another."""
    sources = real_comments()[:250]  # the news comments (Civil Comments)
    rng = random.Random(seed)
    with path.open("w") as stream:
        for i in range(count):
            target = min(20_000, int(rng.lognormvariate(math.log(364), 1.0)))
            parts: list[str] = []
            while sum(map(len, parts)) < target:
                parts.append(rng.choice(sources))
            text = " ".join(parts)[: max(target, 20)]
            stream.write(json.dumps({"id": i, "text": text, "author": f"user{i % 97}"}) + "\n")


def read_texts(path: Path) -> list[str]:
    """The comment texts of any file `moderation score` reads."""
    found = read(path, SourceOptions())
    return [f.comment.text for f in found if isinstance(f, Found)]


def run(archive: Path, db: Path, toxicity: ToxicitySettings) -> tuple[float, object]:
    """Seconds of `moderation score` (as a library call) on a new store, and its report."""
    settings = Settings(db=str(db), rules=ROOT / "rules" / "default.yml", toxicity=toxicity)
    started = time.perf_counter()
    report = score_paths(
        [archive], settings, lambda: open_toxicity_scorer(toxicity), None, RunOptions()
    )
    return time.perf_counter() - started, report


def timed(score: Callable[[list[str]], object], texts: list[str]) -> float:
    """Seconds a scorer takes over the texts."""
    started = time.perf_counter()
    score(texts)
    return time.perf_counter() - started


def plain_loop(detoxify: object, texts: list[str]) -> float:
    """Seconds of `Detoxify.predict` one text at a time: what a script would do."""
    started = time.perf_counter()
    for text in texts:
        detoxify.predict(text)
    return time.perf_counter() - started


def sized_texts(tokenizer: object, tokens: int, count: int) -> list[str]:
    """`count` real-comment texts of about `tokens` tokens each (markers included)."""
    words = " ".join(real_comments()).split()
    texts, start = [], 0
    for _ in range(count):
        end = start + tokens // 2
        while len(tokenizer(" ".join(words[start:end]))["input_ids"]) < tokens:
            end += 1
        texts.append(" ".join(words[start : end - 1]))
        start = end % (len(words) - 4 * tokens)
    return texts


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
_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
}


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
    done = subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=dict(os.environ, **_OFFLINE), cwd=ROOT, text=True)  # fmt: skip
    return int(done.stderr.strip().splitlines()[-1])


def command_seconds(archive: Path, db: Path, toxicity: ToxicitySettings) -> float:
    """Wall time of the `moderation score` command on an archive, process start included."""
    command = [sys.executable, "-m", "moderation", "score", str(archive), "--db", str(db), "-q",
               "--checkpoint", str(toxicity.checkpoint), "--config-dir", str(toxicity.config_dir)]  # fmt: skip
    env = dict(os.environ, **_OFFLINE, XDG_CACHE_HOME=str(toxicity.cache_dir.parent))
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


# ONNX Runtime's operators in the int8 model, by the kind of work they do.
_WORK = {
    "DynamicQuantizeMatMul": "matrix products in int8",
    "MatMulIntegerToFloat": "matrix products in int8",
    "MatMulInteger": "matrix products in int8",
    "DynamicQuantizeLinear": "matrix products in int8",
    "QAttention": "attention (its Q, K, V products in int8, the rest in fp32)",
    "SkipLayerNormalization": "layer norms and GELU in fp32",
    "LayerNormalization": "layer norms and GELU in fp32",
    "BiasGelu": "layer norms and GELU in fp32",
}


def int8_split(toxicity: ToxicitySettings, texts: list[str]) -> dict[str, float]:
    """Shares of the kept int8 model's time by kind of work, from ONNX Runtime's profile of
    the texts, scored as `moderation score` batches them: what int8 can and cannot speed."""
    import onnxruntime
    from tokenizers import Tokenizer

    from moderation.scoring import precision
    from moderation.scoring.quantized import kept_paths
    from moderation.scoring.toxicity import base_model_id
    from moderation.scoring.windows import Windows

    base = base_model_id(toxicity)
    model, tokenizer = kept_paths(toxicity.cache_dir, base)
    kept = precision.Calibrations(toxicity.cache_dir).get(precision.machine_key(base, toxicity))
    windows = Windows(Tokenizer.from_file(str(tokenizer)), kept.window, kept.pad_id)
    options = onnxruntime.SessionOptions()
    options.enable_profiling = True
    options.profile_file_prefix = str(toxicity.cache_dir / "profile")
    session = onnxruntime.InferenceSession(str(model), options)
    ids, _ = windows.split(texts)
    for batch in windows.batches(ids, toxicity.batch_tokens):
        padded, mask = windows.pad([ids[i] for i in batch])
        session.run(["logits"], {"input_ids": padded, "attention_mask": mask})
    events = json.loads(Path(session.end_profiling()).read_text())
    spent: dict[str, float] = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            kind = _WORK.get(event["args"]["op_name"], "other")
            spent[kind] = spent.get(kind, 0.0) + event["dur"]
    total = sum(spent.values())
    return {kind: seconds / total for kind, seconds in sorted(spent.items(), key=lambda i: -i[1])}


def take_turns(runs: int, measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """The median seconds of each measure over rounds in which each runs once, in turn: a
    slow spell of a shared machine falls on all of them, not on one."""
    seconds: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            seconds[name].append(measure())
    return {name: statistics.median(values) for name, values in seconds.items()}


def readings(texts: list[str]) -> list[str]:
    """The other readings of the texts the shipped rules have the model score too (identity
    terms swapped for a neutral word, evasion undone), where they differ from the text."""
    reading = load_rules(ROOT / "rules" / "default.yml").reading
    return [variant for text in texts for variant in reading.variants(text).values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument("--texts", type=Path, help="real comments (JSON Lines or CSV) to time too")
    parser.add_argument(
        "--runs", type=int, default=1, help="rounds of timed runs, each in turn; medians count"
    )
    parser.add_argument(
        "--scale", type=int, default=2000, help="comments for end to end / model alone"
    )
    parser.add_argument(
        "--memory", default="10000,100000", help="two archive sizes for the memory check"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(cpu_line())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        checkpoint, config_dir = build_bert_base(folder)
        default = ToxicitySettings(
            checkpoint=checkpoint, config_dir=config_dir, cache_dir=folder / "xdg" / "moderation"
        )
        fp32 = replace(default, precision="fp32")
        generated, real = folder / "generated.jsonl", args.texts or folder / "real-length.jsonl"
        write_archive(generated, args.comments)
        if args.texts is None:
            write_real_length(real, args.comments)
        print(f"model: bert-base shape, random weights; {os.cpu_count()} CPU threads")

        started = time.perf_counter()
        scorer = load_detoxify(default)  # what a first run on this machine does once
        print(
            f"first run on this machine: int8 prepared and precisions measured in {time.perf_counter() - started:.1f} s"
        )
        print(f"default precision here: {scorer.choice}")
        detoxify = load_torch_detoxify(fp32)
        runs = iter(range(10**6))

        def fresh_db() -> Path:
            return folder / f"run{next(runs)}.db"

        for title, path, target in (
            ("generated comments", generated, ">= 4x on a VNNI CPU, >= 2.5x on AVX2 only"),
            ("real-length comments", real, ">= 3x on a VNNI CPU"),
        ):
            texts = read_texts(path)
            seconds = take_turns(args.runs, {
                "plain": lambda: plain_loop(detoxify, texts),  # noqa: B023
                "fp32": lambda: run(path, fresh_db(), fp32)[0],  # noqa: B023
                "default": lambda: run(path, fresh_db(), default)[0],  # noqa: B023
                "alone": lambda: timed(scorer.score, texts),  # noqa: B023
            })  # fmt: skip
            plain, slow, fast, alone = (seconds[k] for k in ("plain", "fp32", "default", "alone"))
            _, report = run(path, fresh_db(), default)
            n, characters, more = len(texts), sum(map(len, texts)), readings(texts)
            print(f"\n{title}: {n} (mean {characters / n:.0f} characters, "
                  f"{report.windowed_texts} texts scored in windows, none truncated)")  # fmt: skip
            print(f"  the rules have the model read {len(more)} other readings of them too (identity-neutral, "
                  f"evasion undone): {sum(map(len, more)) / characters:.0%} more characters")  # fmt: skip
            print(
                f"  plain Detoxify.predict loop (truncates at 512 tokens): {n / plain:6.1f} comments/s"
            )
            print(
                f"  moderation score --precision fp32: {n / slow:6.1f} comments/s = {plain / slow:5.2f}x the loop"
            )
            print(f"  moderation score, default ({report.toxicity_model.rpartition('+')[2] if '+' in report.toxicity_model else 'fp32'}): "
                  f"{n / fast:6.1f} comments/s = {plain / fast:5.2f}x the loop (target {target})")  # fmt: skip
            print(f"  the model alone in that precision, on the comments (no other readings): {n / alone:6.1f} comments/s = "
                  f"{plain / alone:5.2f}x the loop")  # fmt: skip
            if report.toxicity_model.endswith("+int8"):
                split = int8_split(default, texts)
                print("  the int8 model's time: " + "; ".join(f"{kind} {share:.0%}" for kind, share in split.items()))  # fmt: skip

        tokenizer = detoxify.tokenizer
        full, longer = sized_texts(tokenizer, 512, 24), sized_texts(tokenizer, 600, 24)
        scorer.score(full[:4])
        cost = {
            label: timed(scorer.score, texts) for label, texts in (("512", full), ("600", longer))
        }
        print(
            f"\na 600-token comment costs {cost['600'] / cost['512']:.2f}x a 512-token one, model alone (target <= 1.5x)"
        )

        many = folder / "many.jsonl"
        write_archive(many, args.scale, seed=3)
        texts = read_texts(many)
        read = list(dict.fromkeys(texts + readings(texts)))  # what the run has the model read
        seconds = take_turns(args.runs, {
            "alone": lambda: timed(scorer.score, read),
            "whole": lambda: run(many, fresh_db(), default)[0],
        })  # fmt: skip
        whole, alone = seconds["whole"], seconds["alone"]
        cached, _ = run(many, folder / f"run{next(runs) - 1}.db", default)
        print(f"end to end / model alone on the texts the run has it read, {args.scale:,} comments: "
              f"{whole / alone:.2f} (target <= 1.15)")  # fmt: skip
        print(f"first run / cached re-run: {whole / cached:.0f}x (target > 50x)")

        one = folder / "one.jsonl"
        write_archive(one, 1, seed=99)
        print(f"moderation score of one comment, process start to exit, warm cache: "
              f"{command_seconds(one, fresh_db(), default):.1f} s (target for the first scored comment <= 3 s)")  # fmt: skip

        small, large = (int(n) for n in args.memory.split(","))
        sizes = {}
        for count in (small, large):
            path = folder / f"memory-{count}.jsonl"
            write_archive(path, count, seed=count)
            sizes[count] = peak_memory(path, folder / f"memory-{count}.db")
        print(f"peak memory with the fallback scorer, {small:,} vs {large:,} comments: "
              f"{sizes[small] / 1024:.0f} MiB vs {sizes[large] / 1024:.0f} MiB = {sizes[large] / sizes[small]:.2f}x (target within 1.2x)")  # fmt: skip


if __name__ == "__main__":
    main()
