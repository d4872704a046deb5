"""Texts from many callers scored together, so concurrent requests share one model batch.

A model scores 20 texts in one batch in about the time it scores a few one by one; 20
live requests that each send one text should cost about one batch, not 20. Every caller
hands its texts to one worker thread; the worker takes the first request, waits a few
milliseconds for the callers that have announced texts on their way (or until enough
texts are in), scores them all at once and hands each caller its own rows. A lone
request does not wait at all. Requests that arrive while a batch is running wait for
the next one, so under load batches fill by themselves.

Hand-written: the pattern is small, and the serving libraries that do it (Ray Serve,
Triton) would each bring a server of their own.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

logger = logging.getLogger(__name__)

Score = Callable[[list[str]], list[dict[str, float]]]


@dataclass
class _Request:
    texts: Sequence[str]
    future: Future


_STOP = object()


class Batcher:
    """One worker thread that scores the texts of every caller in shared batches."""

    def __init__(self, score: Score, wait: float = 0.005, max_texts: int = 512) -> None:
        self._score = score
        self.wait = wait  # seconds the first request of a batch waits for company
        self.max_texts = max_texts  # a batch this full goes at once
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._coming = 0  # callers that announced texts and have not submitted them yet
        self._coming_lock = threading.Lock()
        self.batches = 0  # how many model calls were made, for tests and benchmarks
        self._batch_seconds = 0.0  # how long recent batches took (moving average)

    def announce(self) -> None:
        """Say that texts are on their way (a batch being collected waits for them)."""
        with self._coming_lock:
            self._coming += 1

    def withdraw(self) -> None:
        """An announced caller will not submit after all."""
        with self._coming_lock:
            self._coming -= 1

    def submit(self, texts: Sequence[str], announced: bool = False) -> Future:
        """A future of one label dict per text, in order."""
        if announced:
            self.withdraw()
        future: Future = Future()
        if not texts:
            future.set_result([])
            return future
        self._ensure_worker()
        self._queue.put(_Request(texts, future))
        return future

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score texts in the next shared batch and wait for them."""
        return self.submit(texts).result()

    def close(self) -> None:
        """Stop the worker once the requests already queued are done."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="batcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = self._collect(first)
            self._process(batch)
            if stop:
                return

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        batch, count = [first], len(first.texts)
        # Waiting longer than a batch takes cannot pay: a fast model (the fallback scores
        # in about a millisecond) waits that long at most, a transformer the full `wait`.
        deadline = time.monotonic() + min(self.wait, self._batch_seconds)
        while count < self.max_texts:
            remaining = deadline - time.monotonic()
            waiting = remaining > 0 and self._coming > 0  # announced texts are on their way
            try:
                if waiting:
                    item = self._queue.get(timeout=min(remaining, 0.0005))
                else:
                    item = self._queue.get_nowait()
            except queue.Empty:
                if waiting:
                    continue
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
            count += len(item.texts)
        return batch, False

    def _process(self, batch: list[_Request]) -> None:
        unique = list(dict.fromkeys(text for request in batch for text in request.texts))
        started = time.monotonic()
        try:
            rows = dict(zip(unique, self._score(unique), strict=True))
        except BaseException as exc:  # every caller hears of the failure, none hangs
            logger.debug("batch of %d texts failed: %s", len(unique), exc)
            for request in batch:
                request.future.set_exception(exc)
            return
        self.batches += 1
        took = time.monotonic() - started
        self._batch_seconds = took if self.batches == 1 else 0.8 * self._batch_seconds + 0.2 * took
        for request in batch:
            request.future.set_result([rows[text] for text in request.texts])
