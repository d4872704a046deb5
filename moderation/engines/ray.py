"""Archives on a Ray cluster: texts scored in an actor pool, then decided where the store is.

Scoring a text is a pure function of the text and the models, so it spreads; deciding
(rules, threads, author history) is cheap and needs the whole store. So a run has three
steps:

1. Ray Data reads the inputs with the project's own readers (one read task per file, on
   the driver's node, where the files are) and yields each comment's text and quote in
   parts of PART_RECORDS records. An actor pool scores them (each actor loads the models
   once; with `--device cuda` each asks Ray for a GPU, a fraction of one for small models).
   The driver writes each finished part as a Parquet file, atomically.
2. Every part's scores go into the store's score cache.
3. The local pipeline runs over the same inputs: it finds every score in the cache, never
   loads a model, and decides and stores each comment exactly as a local run would.

Resuming uses the project's own part files rather than Ray Data's checkpointing: a part
is named by its file and position, so a job killed at any point and started again skips
the parts it finished (scoring none of them twice) and the cache load and the decide
step are idempotent. Parts also outlive the store transaction, so nothing scored is lost
to a kill between scoring and storing. The store notes the parts it has loaded, and a
finished job leaves a `complete` file, so running it again neither starts Ray nor loads
its parts twice. Memory stays bounded: reads yield blocks of about BLOCK_BYTES, Ray Data
streams them with backpressure, and the driver holds only the parts still being scored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import socket
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data
from ray.data import Datasource, ReadTask
from ray.data.block import BlockMetadata

from moderation.errors import ModerationError
from moderation.extract import extract_file, iter_input_files
from moderation.pipeline import BATCH, Progress, RunOptions, RunReport, score_paths
from moderation.records import text_key
from moderation.rules import load_rules
from moderation.rules.reading import Reading
from moderation.settings import Settings, ToxicitySettings
from moderation.sources import Found, SourceOptions, detect, read

logger = logging.getLogger(__name__)

PART_RECORDS = 1000  # records per part: the unit of resuming
COMPLETE = "complete"  # in a parts folder: every part of the job (named inside) is there
# A read task asks Ray for no CPU: reading is light beside scoring, and a read task that
# waited for a CPU the scoring actors hold would stall the pool that waits for its input.
READ_CPUS = 0
# Ray Data joins the blocks a task yields until they reach its target size (128 MiB by
# default): a read task held a whole archive of up to that size in memory, and scoring began
# only when it was read. At about a part a block, memory is bounded, scoring starts at once,
# and parts are written as they are scored (an actor's output comes a block at a time).
BLOCK_BYTES = 512 * 1024


class RayError(ModerationError):
    """Ray could not be started or reached, or the job failed."""


@dataclass
class RayReport:
    """The scoring step's figures, beside the local decide step's report."""

    parts_dir: Path
    parts_done_before: int = 0
    parts_scored: int = 0
    texts_scored: int = 0
    parts_loaded: int = 0  # parts put into the score cache by this run
    actors: int = 0  # 0 where every part was scored before and Ray was not started
    run: RunReport | None = None


def score_paths_ray(
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    address: str | None = None,
    parts_dir: Path | None = None,
    progress: Progress | None = None,
    open_toxicity: Callable[[], Any] | None = None,
) -> RayReport:
    """Score every text under `paths` on Ray, then decide and store every comment locally."""
    rules = load_rules(settings.rules)  # a bad rule file stops the job before anything runs
    inputs = [(p, detect(p, options.sources.format)) for p in iter_input_files(paths)]
    for path, kind in inputs:
        if kind == "page":
            extract_file(path)  # an unreadable page stops it too, before Ray starts
    job = job_key(settings, inputs, options.sources)
    folder = parts_dir or default_parts_dir(settings, job)
    folder.mkdir(parents=True, exist_ok=True)
    done = {p.stem for p in folder.glob("*.parquet")}
    report = RayReport(folder, parts_done_before=len(done))
    finished = folder / COMPLETE
    if not (finished.exists() and finished.read_text() == job):  # else nothing left to score
        _score_on_ray(
            inputs, settings, options.sources, address, folder, done, report, rules.reading
        )
        _write_atomically(finished, lambda temporary: temporary.write_text(job))
    report.parts_loaded = load_parts(folder, settings)
    report.run = score_paths(
        paths,
        settings,
        open_toxicity or _local_model(settings.toxicity),
        progress,
        options,
    )
    return report


def _local_model(toxicity: ToxicitySettings) -> Callable[[], Any]:
    from moderation.scoring.toxicity import open_toxicity_scorer

    return lambda: open_toxicity_scorer(toxicity)


def job_key(settings: Settings, inputs: list[tuple[Path, str]], sources: SourceOptions) -> str:
    """What a job scores: its inputs as they are now, how they are read, and the models."""
    from moderation.scoring.sentiment import VaderScorer
    from moderation.scoring.toxicity import expected_model_id

    job = hashlib.sha256()
    for path, kind in inputs:
        stat = path.stat()
        job.update(f"{path.resolve()}\0{kind}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    job.update(
        repr((sources, expected_model_id(settings.toxicity), VaderScorer().model_id)).encode()
    )
    return job.hexdigest()


def default_parts_dir(settings: Settings, job: str) -> Path:
    """Beside the store, named by what is scored: the same command finds its parts again."""
    base = Path(settings.db).parent if "://" not in str(settings.db) else Path.cwd()
    return base / "ray-parts" / job[:16]


def _score_on_ray(
    inputs: list[tuple[Path, str]],
    settings: Settings,
    sources: SourceOptions,
    address: str | None,
    folder: Path,
    done: set[str],
    report: RayReport,
    reading: Reading | None = None,
) -> None:
    _connect(address)
    dataset = read_texts(inputs, sources, done, reading)
    actor_cpus, actor_gpus, actors = _pool(settings.toxicity)
    report.actors = actors
    scored = dataset.map_batches(
        _Scorer,
        fn_constructor_args=(settings.toxicity, actor_cpus),
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
        num_cpus=actor_cpus,
        num_gpus=actor_gpus,
        batch_size=BATCH,  # as the local engine's: longer runs of similar length to batch
        batch_format="pyarrow",
    )
    try:
        _collect(scored, folder, report)
    except ray.exceptions.RayError as exc:
        cause = _cause(exc)
        if cause is not None:  # bad input found by a read task: its own one line
            raise cause from None
        raise RayError(f"the Ray job failed: {str(exc).strip().splitlines()[0]}") from None


def read_texts(
    inputs: list[tuple[Path, str]],
    sources: SourceOptions,
    done: AbstractSet[str] = frozenset(),
    reading: Reading | None = None,
) -> ray.data.Dataset:
    """The distinct texts of every part not `done`, read where the files are, in blocks of
    about BLOCK_BYTES: one read task a file, streamed."""
    ray.data.DataContext.get_current().target_max_block_size = BLOCK_BYTES
    here = {"ray.io/node-id": ray.get_runtime_context().get_node_id()}
    return ray.data.read_datasource(
        _Texts([(str(p), k) for p, k in inputs], sources, frozenset(done), reading),
        num_cpus=READ_CPUS,
        # one block a read task by default, which Ray Data then cuts in 200 slivers of a
        # few rows each, every one a task of the pool: the file's own blocks are the unit
        override_num_blocks=len(inputs),
        label_selector=here,
    )


def _cause(exc: BaseException) -> ModerationError | None:
    """The project's error under Ray's wrappers, if the job failed on one."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModerationError) and not isinstance(exc, ray.exceptions.RayError):
            return exc
        exc = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
    return None


def _collect(scored: ray.data.Dataset, folder: Path, report: RayReport) -> None:
    """Write each part as soon as all its texts are scored."""
    waiting: dict[str, list] = {}
    for batch in scored.iter_batches(batch_size=None, batch_format="pyarrow"):
        for part in set(batch.column("part").to_pylist()):
            rows = batch.filter(pa.compute.equal(batch.column("part"), part))
            waiting.setdefault(part, []).append(rows)
            have = sum(t.num_rows for t in waiting[part])
            if have == rows.column("part_rows")[0].as_py():
                _write_part(folder, part, pa.concat_tables(waiting.pop(part)))
                report.parts_scored += 1
                report.texts_scored += have
    if waiting:
        raise RayError(f"the job ended with {len(waiting)} part(s) not fully scored; run it again")


@contextmanager
def local_cluster(nodes: int = 3, cpus: int = 1) -> Iterator[str]:
    """A Ray cluster of several nodes on this machine, joined by this process: the multi-node
    path, tried (and tested) without a second machine. Yields its address."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": cpus, "include_dashboard": False}
    )
    try:
        for _ in range(nodes - 1):
            cluster.add_node(num_cpus=cpus)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()


def _connect(address: str | None) -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the CLI shows its own
    context.max_errored_blocks = 0
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)  # failures come back as one line
    if address and address != "auto":
        _reachable(address)
    if ray.is_initialized():  # joined already (a test, a notebook): use that cluster
        return
    try:
        if address:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:  # a local Ray of this machine's CPUs, ended with the run
            ray.init(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "a local Ray"
        raise RayError(f"cannot start or reach {where}: {str(exc).splitlines()[0]}") from None


def _pool(toxicity: ToxicitySettings, nodes: list[dict] | None = None) -> tuple[float, float, int]:
    """CPUs and GPUs per scoring actor, and how many actors the cluster (`ray.nodes()`)
    holds: one actor a node, its model using the node's CPUs as threads (the smallest node
    sets the size), or with `toxicity.threads` set, one actor per that many CPUs."""
    nodes = [n for n in (ray.nodes() if nodes is None else nodes) if n.get("Alive")]
    if toxicity.device.startswith("cuda"):
        small = toxicity.model.endswith("-small") or toxicity.checkpoint is not None
        gpus = 0.5 if small else 1.0  # a small model leaves room for a second on one GPU
        total = sum(n["Resources"].get("GPU", 0) for n in nodes)
        if total < gpus:
            raise RayError("--device cuda: the Ray cluster has no GPU")
        return 1.0, gpus, max(1, int(total / gpus))
    cpus = [c for c in (n["Resources"].get("CPU", 0) for n in nodes) if c >= 1]
    if not cpus:
        raise RayError("the Ray cluster has no CPUs for scoring")
    per_actor = min(min(cpus), toxicity.threads or math.inf)  # toxicity.threads: more actors
    return per_actor, 0.0, sum(int(c // per_actor) for c in cpus)


def _reachable(address: str) -> None:
    """Fail at once on an address nothing answers at: Ray itself retries for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise RayError(f"--address {address}: expected auto, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise RayError(f"cannot reach a Ray cluster at {address} ({exc.strerror or exc})") from None


class _Scorer:
    """One actor of the pool: the models load once, then score batch after batch."""

    def __init__(self, toxicity: ToxicitySettings, cpus: float) -> None:
        from dataclasses import replace

        from moderation.scoring.sentiment import VaderScorer
        from moderation.scoring.toxicity import open_toxicity_scorer

        threads = toxicity.threads or max(1, math.ceil(cpus))
        self.toxicity = open_toxicity_scorer(replace(toxicity, threads=threads))
        self.sentiment = VaderScorer()

    def __call__(self, batch: pa.Table) -> pa.Table:
        texts = batch.column("text").to_pylist()
        toxicity = self.toxicity.score(texts)
        sentiment = self.sentiment.score(texts)
        return pa.table({
            "part": batch.column("part"),
            "part_rows": batch.column("part_rows"),
            "text_key": batch.column("text_key"),
            "toxicity_model": [self.toxicity.model_id] * len(texts),
            "toxicity": [json.dumps(x) for x in toxicity],
            "sentiment_model": [self.sentiment.model_id] * len(texts),
            "sentiment": [json.dumps(x) for x in sentiment],
        })  # fmt: skip


class _Texts(Datasource):
    """A Ray Data source: the distinct texts and quotes of each part of each input."""

    def __init__(
        self, inputs: list[tuple[str, str]], sources: SourceOptions, done: frozenset[str],
        reading: Reading | None = None,
    ):  # fmt: skip
        self.inputs, self.sources, self.done, self.reading = inputs, sources, done, reading

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list:
        tasks = []
        for path, kind in self.inputs:
            meta = BlockMetadata(
                num_rows=None, size_bytes=None, input_files=[path], exec_stats=None
            )
            reader = _reader(path, kind, self.sources, self.done, self.reading)
            tasks.append(ReadTask(reader, meta))
        return tasks


def _reader(
    path: str, kind: str, sources: SourceOptions, done: frozenset[str], reading: Reading | None
) -> Callable:
    def read_blocks() -> Iterator[pa.Table]:
        for part, texts in parts_of(Path(path), kind, sources, reading):
            if part in done or not texts:
                continue
            keys = list(texts)
            yield pa.table({
                "part": [part] * len(keys), "part_rows": [len(keys)] * len(keys),
                "text_key": keys, "text": [texts[k] for k in keys],
            })  # fmt: skip

    return read_blocks


def parts_of(
    path: Path, kind: str, sources: SourceOptions, reading: Reading | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """(part name, distinct texts by key) for each PART_RECORDS records of a file: the
    texts and quotes a local run would score, and with the rule file's `reading` the other
    forms of each text it scores (identity-neutral, de-obfuscated)."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    if kind == "page":
        comments = iter(extract_file(path).comments)
    else:  # a bad record has no text: the decide step reports it
        comments = (r.comment if isinstance(r, Found) else None for r in read(path, sources))
    texts: dict[str, str] = {}
    block = count = 0
    for comment in comments:
        for text in (comment.text, comment.quote) if comment is not None else ():
            if text:
                texts[text_key(text)] = text
        if reading is not None and comment is not None and comment.text:
            for form in reading.variants(comment.text).values():
                texts[text_key(form)] = form
        count += 1
        if count == PART_RECORDS:
            yield f"{name}-{block:06d}", texts
            texts, block, count = {}, block + 1, 0
    if count:
        yield f"{name}-{block:06d}", texts


def _write_part(folder: Path, part: str, table: pa.Table) -> None:
    table = table.drop_columns(["part", "part_rows"])
    _write_atomically(
        folder / f"{part}.parquet", lambda temporary: pq.write_table(table, temporary)
    )


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    write(temporary)
    os.replace(temporary, path)  # there whole or not at all


def load_parts(folder: Path, settings: Settings) -> int:
    """Put the scores of every part not loaded before into the store's score cache (texts
    already there are left as they are); returns the parts loaded. A part is known by its
    path, size and time, so a part written again is loaded again."""
    from moderation.store import open_store
    from moderation.store import scores as score_store

    store = open_store(settings.db_url)
    loaded = 0
    try:
        with store.transaction() as connection:
            before = score_store.loaded_parts(connection)
        for path in sorted(folder.glob("*.parquet")):
            stat = path.stat()
            name = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
            if name in before:
                continue
            rows = pq.read_table(path).to_pylist()
            now = datetime.now(UTC)
            with store.transaction(immediate=True) as connection:
                for kind in ("toxicity", "sentiment"):
                    by_model: dict[str, dict[str, dict]] = {}
                    for row in rows:
                        by_model.setdefault(row[f"{kind}_model"], {})[row["text_key"]] = json.loads(
                            row[kind]
                        )
                    for model, labels in by_model.items():
                        score_store.add(connection, kind, model, labels, now)
                score_store.add_part(connection, name, len(rows), now)
            loaded += 1
    finally:
        store.close()
    return loaded
