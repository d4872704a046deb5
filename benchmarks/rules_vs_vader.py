"""Re-evaluating rules over stored scores must cost under a tenth of VADER on the same comments.

    .venv/bin/python benchmarks/rules_vs_vader.py [--comments 100000]

Measures, in one run over the same generated comments: VADER scoring them, and the shipped
rule file deciding them from stored scores, as `rules diff` does (compiled rules, no
parsing, no rescoring). Prints both times and their ratio against the 0.10 target.
Times are this process's CPU time, so other work on a shared machine does not skew the
ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from comments import LABELS, comments
from cpu import cpu_line

from moderation.records import Comment
from moderation.rules import load_rules
from moderation.rules.conditions import Subject
from moderation.rules.context import Context
from moderation.scoring.sentiment import VaderScorer

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.10
CHUNK = 500  # comments each takes its turn with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "default.yml")
    args = parser.parse_args()

    texts = list(comments(args.comments))
    vader = VaderScorer()
    sentiment = vader.score(texts[:CHUNK])  # warm: VADER's lexicon loads on first use
    sentiment = []

    rng = random.Random(7)
    subjects = []
    for i, (text, sent) in enumerate(zip(texts, vader.score(texts), strict=True)):
        scores = {f"sentiment.{k}": v for k, v in sent.items()}
        scores |= {f"toxicity.{label}": rng.betavariate(0.6, 6) for label in LABELS}
        # as stored comments have them: the identity-neutral and de-obfuscated scores
        scores |= {f"neutral.{k}": v for k, v in list(scores.items()) if k.startswith("toxicity.")}
        depth = rng.choice((0, 0, 0, 1, 1, 2, 3))
        comment = Comment(
            id=f"c{i}", article_id=f"a{i % 500}", author=f"user{rng.randrange(20000)}", position=i,
            text=text, parent_id=f"c{i - 1}" if depth else None, depth=depth,
        )  # fmt: skip
        context = Context(parent_author=f"user{rng.randrange(20000)}" if depth else None,
                          back_and_forth=min(depth, rng.randrange(4)), author_rejections=rng.randrange(3),
                          first_comment=rng.random() < 0.2, article_id=comment.article_id)  # fmt: skip
        subjects.append(Subject(comment, scores, context))

    ruleset = load_rules(args.rules)
    # What is compiled once per process, on first use (the file's one-pass scan, each
    # list's pattern, the vocabulary whose evasion is undone), before the clock starts.
    ruleset.prepare()
    for subject in subjects[:1000]:
        ruleset.matching(replace(subject, cache={}))
    # VADER and the rules take turns, chunk by chunk, so that a slow spell of a shared
    # machine weighs on both alike.
    vader_seconds = rules_seconds = 0.0
    acting = 0
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        started = time.process_time()
        sentiment += vader.score(chunk)
        vader_seconds += time.process_time() - started
        fresh = [replace(s, cache={}) for s in subjects[start : start + CHUNK]]
        started = time.process_time()
        acting += sum(ruleset.winner(ruleset.matching(s)) is not None for s in fresh)
        rules_seconds += time.process_time() - started

    ratio = rules_seconds / vader_seconds
    print(cpu_line())
    print(
        f"comments:          {len(texts):,} (mean {sum(map(len, texts)) / len(texts):.0f} characters)"
    )
    print(
        f"VADER:             {vader_seconds:8.2f} s  ({vader_seconds / len(texts) * 1e6:6.1f} us/comment)"
    )
    print(
        f"rules ({ruleset.name}): {rules_seconds:8.2f} s  ({rules_seconds / len(texts) * 1e6:6.1f} us/comment), {acting:,} acted on"
    )
    print(
        f"rules / VADER:     {ratio:8.3f}  (target < {TARGET}: {'met' if ratio < TARGET else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
