"""Whether a model's weights could be had: a failed download is remembered for a while.

Offline, every run used to try Detoxify's download again (seconds of PyTorch start-up and
a refused connection) before falling back, and a cached re-run opened a model it did not
need. A failed download is now kept as a note in the cache folder: for RETRY_AFTER, runs
go straight to the fallback and know its model id without loading anything.
`moderation models fetch` tries again at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

RETRY_AFTER = timedelta(hours=24)


def _note(cache: Path, model_id: str) -> Path:
    return cache / f"{hashlib.sha256(model_id.encode()).hexdigest()[:16]}.unavailable.json"


def remember_unavailable(cache: Path, model_id: str, reason: str) -> None:
    """Note that a model's weights could not be had, and why."""
    with contextlib.suppress(OSError):  # not kept: the next run only tries again
        cache.mkdir(parents=True, exist_ok=True)
        when = datetime.now(UTC).isoformat(timespec="seconds")
        _note(cache, model_id).write_text(
            json.dumps({"model": model_id, "reason": reason, "when": when})
        )


def unavailable(cache: Path, model_id: str) -> str | None:
    """Why the model's weights could not be had, if that was found out recently; else None."""
    try:
        note = json.loads(_note(cache, model_id).read_text())
        when = datetime.fromisoformat(note["when"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if datetime.now(UTC) - when > RETRY_AFTER:
        return None
    return f"{note['reason']}, at {note['when']}; not tried again for a day"


def forget_unavailable(cache: Path, model_id: str) -> None:
    """The weights are here now: runs use them again."""
    with contextlib.suppress(OSError):
        _note(cache, model_id).unlink(missing_ok=True)
