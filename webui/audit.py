"""The audit log: every decision, who made it, when, and the state it replaced."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

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
)


@bp.route("/audit")
@login_required
def index():
    filters = _filters()
    with connection() as conn:
        entries = queue_store.audit(conn, **filters)
    return render_template("audit.html", entries=entries, filters=filters)


@bp.route("/audit.csv")
@login_required
def export():
    with connection() as conn:
        entries = queue_store.audit(conn, **_filters(), limit=None)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in entry.items()} for entry in entries)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )


def _inert(value):
    """A cell a spreadsheet shows as text: one that starts like a formula (= + - @, tab, CR)
    gets a leading apostrophe, so an author name like =HYPERLINK(...) never runs."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _filters() -> dict:
    return {key: request.args.get(key) or None for key in ("moderator", "action", "comment_id")}
