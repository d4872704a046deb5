"""The audit log: every decision, who made it, when, and the state it replaced."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from moderation.store import authors as author_store
from moderation.store import queue as queue_store
from webui.state import connection

bp = Blueprint("audit", __name__)
COLUMNS = (
    "id",
    "created_at",
    "moderator",
    "action",
    "previous_state",
    "new_state",
    "comment_id",
    "author",
    "reason",
    "note",
    "batch",
)
AUTHOR_ACTIONS = author_store.STANDINGS  # steps about an author, not a comment


@bp.route("/audit")
@login_required
def index():
    filters = _filters()
    return render_template("audit.html", entries=_entries(filters, 500), filters=filters)


@bp.route("/audit.csv")
@login_required
def export():
    entries = _entries(_filters(), None)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in entry.items()} for entry in entries)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )


def _entries(filters: dict, limit: int | None) -> list[dict]:
    """Decisions on comments and steps about authors, newest first."""
    found = []
    with connection() as conn:
        if filters["action"] not in AUTHOR_ACTIONS:
            found += queue_store.audit(conn, **filters, limit=limit)
        if filters["action"] in (None, *AUTHOR_ACTIONS) and not filters["comment_id"]:
            found += author_store.audit(conn, filters["moderator"], filters["action"], limit)
    found.sort(key=lambda e: e["created_at"], reverse=True)
    return found[:limit] if limit else found


def _inert(value):
    """A cell a spreadsheet shows as text: one that starts like a formula (= + - @, tab, CR)
    gets a leading apostrophe, so an author name like =HYPERLINK(...) never runs."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _filters() -> dict:
    return {key: request.args.get(key) or None for key in ("moderator", "action", "comment_id")}
