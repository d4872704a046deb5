"""Texts to model inputs: token windows for long comments, batches under a token budget.

A comment longer than the model reads at once is cut into windows of equal length that
overlap a little, so a phrase at a cut is read whole in one of them, and the comment takes
the highest score of any window. Equal windows cost less than a full window and a short
remainder: a 600-token comment is two windows of about 330 tokens, 1.3 times the cost of a
512-token one. Windows of every text are sorted by length and batched together, so a long
comment's windows share batches with other comments of their length.

This uses the Hugging Face `tokenizers` library directly (the Rust tokenizer that every
Detoxify tokenizer is built on): it imports in milliseconds, where `transformers` takes
seconds and PyTorch with it, which the int8 path does not need.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from moderation.errors import ModelError
from moderation.scoring import MAX_READ

MAX_WINDOW = 512
MAX_OVERLAP = 64  # tokens two windows share: about fifty words, longer than an insult
MAX_PADDING = 1.1  # a batch's longest window is at most this many times its shortest


class Windows:
    """A tokenizer that turns texts into windows of token ids, and windows into batches."""

    def __init__(self, tokenizer: Any, window: int, pad_id: int) -> None:
        from tokenizers import Tokenizer

        # A copy with no truncation or padding of its own: windows are made here.
        self._tokenizer = Tokenizer.from_str(tokenizer.to_str())
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        plain = self._tokenizer.encode("a", add_special_tokens=False).ids
        marked = self._tokenizer.encode("a").ids
        start = _find(marked, plain)
        self._prefix, self._suffix = marked[:start], marked[start + len(plain) :]
        self.window = window
        self._content = window - len(self._prefix) - len(self._suffix)
        self._overlap = min(MAX_OVERLAP, self._content // 4)
        self.pad_id = pad_id

    def split(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        """Each text's windows of ids, and the index of the text each window belongs to."""
        encoded = self._tokenizer.encode_batch(
            [text[:MAX_READ] for text in texts],  # bounded work; longer comments go to a human
            add_special_tokens=False,
        )
        windows: list[list[int]] = []
        owners: list[int] = []
        for owner, encoding in enumerate(encoded):
            for part in self._parts(encoding.ids):
                windows.append([*self._prefix, *part, *self._suffix])
                owners.append(owner)
        return windows, owners

    def _parts(self, ids: list[int]) -> list[list[int]]:
        if len(ids) <= self._content:
            return [ids]
        # The fewest windows that cover the text, then all of one length.
        count = math.ceil((len(ids) - self._overlap) / (self._content - self._overlap))
        size = math.ceil((len(ids) + (count - 1) * self._overlap) / count)
        step = size - self._overlap
        return [ids[i * step : i * step + size] for i in range(count)]

    def batches(self, windows: list[list[int]], budget: int) -> list[list[int]]:
        """Window indices grouped shortest first, each group under the padded-token budget."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            # Sorted ascending, so this window is the longest in the batch it would join.
            # Padding is wasted work: a window much longer than the batch's shortest
            # starts a batch of its own.
            if current and (
                (len(current) + 1) * len(windows[i]) > budget
                or len(windows[i]) > MAX_PADDING * len(windows[current[0]])
            ):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def pad(self, windows: list[list[int]]) -> tuple[Any, Any]:
        """Token ids and attention mask of a batch, as int64 arrays padded to its longest."""
        import numpy

        longest = max(len(w) for w in windows)
        ids = numpy.full((len(windows), longest), self.pad_id, dtype=numpy.int64)
        mask = numpy.zeros((len(windows), longest), dtype=numpy.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        return ids, mask


def _find(haystack: list[int], needle: list[int]) -> int:
    for start in range(len(haystack) - len(needle) + 1):
        if haystack[start : start + len(needle)] == needle:
            return start
    raise ModelError("the tokenizer's special tokens could not be told apart from a text's")
