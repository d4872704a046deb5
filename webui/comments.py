"""The comment page: thread, the author's other comments, every score, the rule trace."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from moderation.review import comment_page
from moderation.review import thread as thread_around
from webui.state import moderation

bp = Blueprint("comments", __name__)


@bp.route("/comments/<comment_id>")
@login_required
def show(comment_id: str):
    page = comment_page(moderation().moderator, comment_id)
    if page is None:
        abort(404)
    return render_template("comment.html", page=page)


@bp.route("/comments/<comment_id>/thread")
@login_required
def thread(comment_id: str):
    """The comment's parents, siblings and replies, for the queue card's Thread section."""
    found = thread_around(moderation().store, comment_id)
    if found is None:
        abort(404)
    return render_template("_thread.html", thread=found)
