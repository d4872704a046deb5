"""The author drawer: a commenter's record, and what moderators do about them (reject all
their pending comments, hold their new comments for review, ban, clear)."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from moderation.review import MAX_NOTE, REASONS, author_page, reject_pending, set_standing
from moderation.store.authors import STANDINGS
from webui.state import moderation

bp = Blueprint("authors", __name__)
DONE = {
    "premoderate": "new comments by {} are held for review",
    "ban": "{} is banned: new comments are rejected",
    "clear": "{} is in the clear again",
}


@bp.route("/author")
@login_required
def show():
    """The author's page; with ?drawer=1 just the drawer's contents, for the queue's script."""
    name = request.args.get("name", "")
    if not name:
        return render_template("error.html", title="Which author?", message="Give ?name="), 400
    page = author_page(moderation().store, name)
    template = "_author.html" if request.args.get("drawer") else "author.html"
    return render_template(template, author=page, reasons=REASONS)


@bp.route("/author/standing", methods=["POST"])
@login_required
def standing():
    source = _source()
    name, action, note = source.get("name") or "", source.get("action"), source.get("note")
    if action not in STANDINGS:
        return _answer(False, f"action must be one of {', '.join(STANDINGS)}", name)
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        return _answer(False, f"a note is text of at most {MAX_NOTE} characters", name)
    try:
        set_standing(moderation().store, name, action, current_user.name, note)
    except ValueError as error:
        return _answer(False, str(error), name)
    return _answer(True, DONE[action].format(name), name)


@bp.route("/author/reject-pending", methods=["POST"])
@login_required
def reject_all():
    source = _source()
    name = source.get("name") or ""
    try:
        outcomes, counts = reject_pending(
            moderation().store, name, current_user.name,
            source.get("reason") or None, source.get("note") or None,
        )  # fmt: skip
    except ValueError as error:
        return _answer(False, str(error), name)
    done = [o.comment_id for o in outcomes if o.ok]
    message = f"rejected {len(done)} pending comment(s) by {name}"
    if len(done) < len(outcomes):
        message += f"; {len(outcomes) - len(done)} already decided by someone else"
    return _answer(True, message, name, rejected=done, counts=counts)


def _source():
    payload = request.get_json(silent=True) if request.is_json else None
    return payload if isinstance(payload, dict) else request.form


def _answer(ok: bool, message: str, name: str, **extra):
    """JSON for the drawer's script; the plain form goes back to the author's page."""
    if request.is_json:
        return jsonify(ok=ok, message=message, **extra), 200 if ok else 400
    flash(message)
    return redirect(url_for("authors.show", name=name))
