"""Live moderation: the Perspective-compatible API and the Coral external moderation phase.

Both take a request's values, call the scoring core and the store, and return the answer
as plain data; `webui/api` only adapts them to HTTP. Errors are `ApiError`s that carry
their HTTP code and Google-style status.
"""

from __future__ import annotations

import json
from typing import Any

from moderation.errors import ApiError


def load_json(raw: bytes) -> Any:
    """A request body as JSON; a 400 ApiError for bad JSON, deep nesting or text that is not
    valid Unicode (a lone surrogate such as \\ud800 could be neither stored nor scored)."""
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        raise ApiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.") from None
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        message = "Invalid JSON payload received: text that is not valid Unicode."
        raise ApiError(400, "INVALID_ARGUMENT", message) from None
    return body
