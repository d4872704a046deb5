"""Generated news comments for benchmarks: realistic lengths and a realistic share of abuse.

Word counts follow a log-normal distribution (median about 35 words, a long tail to a few
hundred), as comment sections do. A few percent carry insults, evasions of them, links
or capitals, so rules have something to find.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

# The labels of Detoxify's default (unbiased) model, for generated stored scores.
LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)

COMMON = (  # noqa: SIM905 - prose reads better than a list of words
    "the government should not be allowed to read our messages and this is exactly why "
    "privacy matters more than ever before people forget that security is a tradeoff the "
    "company made a good decision here but nobody will remember it next year when they sell "
    "their phones I think the article misses the point about enterprise customers who pay "
    "for the servers and the regulator will probably back down anyway as usual in my view"
).split()
SPICE = [
    "what an idiot",
    "you are clueless",
    "stupid decision",
    "st00pid",
    "i d i o t",
    "m0r0n",
    "stuuupid",
    "SHUT UP ALREADY YOU PEOPLE NEVER LISTEN",
    "see https://example.com/a and www.example.org",
    "work from home and earn money",
    "I will hunt you down",
    "terrorist nations",
]


def comments(count: int, seed: int = 2015) -> Iterator[str]:
    """`count` comment texts, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        words = [
            rng.choice(COMMON) for _ in range(max(3, min(400, int(rng.lognormvariate(3.55, 0.8)))))
        ]
        if rng.random() < 0.08:
            words.insert(rng.randrange(len(words)), rng.choice(SPICE))
        text = " ".join(words)
        yield text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"])
