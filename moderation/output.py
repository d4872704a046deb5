"""Results to a file, one row per comment, resumable with every comment exactly once.

Beside the output a small checkpoint records, after each batch, how many records of each
input are done and how much output belongs to them: bytes of a JSON Lines or CSV file, or
part files of a Parquet dataset (a folder with one part per batch, which pyarrow and pandas
read as one table). A run that is stopped (Ctrl-C, a kill, a crash) and started again with
the same inputs cuts the output back to that point and goes on from there.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO

from moderation.errors import InputError
from moderation.rules.loader import SCORE_NAMES

FORMATS = ("jsonl", "csv", "parquet")
CSV_COLUMNS = [
    "id", "article_id", "article_title", "author", "parent_id", "depth", "status", "posted",
    "text", "quote", "sentiment_model", "toxicity_model", *SCORE_NAMES, "action", "rule_ids", "reasons",
]  # fmt: skip


class Output:
    """A JSON Lines or CSV file of results, with its checkpoint."""

    def __init__(
        self, path: Path, kind: str, inputs: list[str], state: dict, stream: IO[str]
    ) -> None:
        self.path, self.kind, self.inputs, self.state, self.stream = (
            path,
            kind,
            inputs,
            state,
            stream,
        )
        self._csv = (
            csv.DictWriter(stream, CSV_COLUMNS, extrasaction="ignore") if kind == "csv" else None
        )

    @classmethod
    def open(cls, path: Path, kind: str | None, inputs: list[str]) -> Output:
        """Open for a run: resume an unfinished run of the same inputs, else start afresh."""
        kind = kind or {".csv": "csv", ".parquet": "parquet"}.get(path.suffix.lower(), "jsonl")
        if kind not in FORMATS:
            raise InputError(path, f"output format must be one of {', '.join(FORMATS)}")
        checkpoint = _checkpoint_path(path)
        state = json.loads(checkpoint.read_text()) if checkpoint.is_file() else None
        resuming = (
            state is not None
            and state.get("inputs") == inputs
            and not state.get("finished")
            and path.exists()
        )
        if kind == "parquet":
            return cls(
                path, kind, inputs, _parquet_start(path, state if resuming else None, inputs), None
            )
        try:
            if resuming:
                with path.open("r+b") as raw:
                    raw.truncate(state["bytes"])  # drop anything written after the last checkpoint
                stream = path.open("a", encoding="utf-8", newline="")
            else:
                state = {"inputs": inputs, "done": {}, "bytes": 0, "finished": False}
                stream = path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(path, f"cannot write the output: {exc.strerror}") from None
        output = cls(path, kind, inputs, state, stream)
        if not resuming and output._csv is not None:
            output._csv.writeheader()
            output._commit()
        return output

    def done(self, source: str) -> int:
        """Records of `source` already written by an earlier, interrupted run."""
        return self.state["done"].get(source, 0)

    def write(self, results) -> None:
        """Rows for a batch of results."""
        if self.kind == "parquet":
            self._write_part([_flat(_row(r)) for r in results])
            return
        for result in results:
            row = _row(result)
            if self._csv is not None:
                self._csv.writerow(_flat(row))
            else:
                self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")

    def checkpoint(self, done: dict[str, int]) -> None:
        """Everything written so far is safe: record it (records consumed, by input)."""
        self.state["done"].update(done)
        self._commit()

    def finish(self) -> None:
        """The run is complete: the next run of the same inputs starts a new file."""
        self.state["finished"] = True
        self._commit()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()

    def _write_part(self, rows: list[dict]) -> None:
        if not rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(
            [{c: row.get(c) for c in CSV_COLUMNS} for row in rows], schema=_parquet_schema()
        )
        self.state["parts"] += 1
        pq.write_table(table, self.path / f"part-{self.state['parts']:06d}.parquet")

    def _commit(self) -> None:
        if self.kind == "parquet":
            _save_state(self.path, self.state)
            return
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.state["bytes"] = self.path.stat().st_size
        _save_state(self.path, self.state)


def _save_state(path: Path, state: dict) -> None:
    checkpoint = _checkpoint_path(path)
    temporary = checkpoint.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, checkpoint)


def _parquet_start(path: Path, state: dict | None, inputs: list[str]) -> dict:
    """A Parquet dataset folder: parts past the checkpoint removed, or all when starting afresh."""
    if path.exists() and not path.is_dir():
        raise InputError(path, "a Parquet output is a folder of part files; this is a file")
    path.mkdir(parents=True, exist_ok=True)
    keep = state["parts"] if state else 0
    for part in path.glob("part-*.parquet"):
        if int(part.stem.split("-")[1]) > keep:
            part.unlink()
    return state or {"inputs": inputs, "done": {}, "parts": 0, "finished": False}


def _parquet_schema():
    import pyarrow as pa

    numbers = {"depth": pa.int64(), **{name: pa.float64() for name in SCORE_NAMES}}
    return pa.schema([(c, numbers.get(c, pa.string())) for c in CSV_COLUMNS])


def _checkpoint_path(path: Path) -> Path:
    return path.with_name(path.name + ".progress")


def _row(result) -> dict:
    comment, scores, decision = result.comment, result.scores, result.decision
    return {
        "id": comment.id, "article_id": comment.article_id, "article_title": result.title,
        "author": comment.author, "parent_id": comment.parent_id, "depth": comment.depth,
        "status": comment.status, "posted": comment.posted, "text": comment.text, "quote": comment.quote,
        "sentiment_model": scores.sentiment.model, "toxicity_model": scores.toxicity.model,
        "scores": scores.values(), "action": decision.action.value if decision.action else None,
        "rule_ids": list(decision.rule_ids), "reasons": [r for m in decision.matches for r in m.reasons],
    }  # fmt: skip


def _flat(row: dict) -> dict:
    flat = {k: v for k, v in row.items() if k not in ("scores", "rule_ids", "reasons")}
    flat.update(row["scores"])
    flat["rule_ids"] = ";".join(row["rule_ids"])
    flat["reasons"] = "; ".join(row["reasons"])
    return flat


__all__ = ["FORMATS", "Output"]
