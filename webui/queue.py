"""The queue: held and flagged comments awaiting a decision, and the decisions on them."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from moderation.review import (
    ACTIONS,
    MAX_NOTE,
    REASONS,
    changes,
    decide,
    item,
    latest_review,
    queue,
    undo,
)  # fmt: skip
from moderation.store.queue import OPEN, PER_PAGE, STATES, Cursor, QueueFilter, count_limit
from webui.state import moderation

bp = Blueprint("queue", __name__)
PAGE_SIZES = (5, 10, 25, 50, 100)  # comments per page offered; any from 1 to 100 is taken
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # a deeper page is empty anyway; a larger number overflows SQL integers


@bp.route("/")
@login_required
def index():
    wanted = _filter(request.args)
    # Read before the page: a decision made meanwhile comes with the first poll, not lost.
    latest = latest_review(moderation().store)
    items, total, counts = queue(moderation().store, wanted)
    pages = max(1, -(-total // wanted.per_page))
    args = {
        k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("after", "before")
    }
    # Next and previous go from the rows shown (keyset): as fast on page 800 as on page 2.
    links = {}
    limit = count_limit(wanted)
    capped = total > limit  # counted no further: "more than 1,000"
    if items and (wanted.page < pages or (capped and len(items) == wanted.per_page)):
        after = Cursor.of(items[-1].row).token()
        links["next"] = url_for("queue.index", **(args | {"page": wanted.page + 1, "after": after}))
    if items and wanted.page > 1:
        before = Cursor.of(items[0].row).token()
        links["previous"] = url_for(
            "queue.index", **(args | {"page": wanted.page - 1, "before": before})
        )
    return render_template(
        "queue.html", items=items, total=total, counts=counts, wanted=wanted, pages=pages,
        states=STATES, rule_ids=[r.id for r in moderation().rules.rules], reasons=REASONS,
        links=links, page_sizes=PAGE_SIZES, capped=capped, count_up_to=limit,
        latest=latest,
    )  # fmt: skip


@bp.route("/decisions", methods=["POST"])
@login_required
def decisions():
    """One action on one or many comments: JSON from the page's script, or a plain form."""
    payload = request.get_json(silent=True) if request.is_json else None
    if request.is_json and not isinstance(payload, dict):  # a list, a number, broken JSON
        return _bad("the body must be a JSON object with 'action' and 'items'")
    source = payload if payload is not None else request.form
    action = source.get("action")
    if action not in ACTIONS:
        return _bad(f"action must be one of {', '.join(ACTIONS)}")
    if payload is None and not request.form.get("comment_id"):
        return _bad("which comment? (comment_id is missing)")
    seen = (
        _seen(payload.get("items"))
        if payload is not None
        else [(request.form["comment_id"], _int(request.form.get("seen")))]
    )
    if not seen:
        return _bad("'items' must be a non-empty list of {id, seen}")
    note = source.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        return _bad(f"a note is text of at most {MAX_NOTE} characters")
    reason = source.get("reason") or None
    if action != "reject":
        reason = None  # the page's reason box is for rejects only
    try:
        outcomes, counts = decide(moderation().store, seen, current_user.name, action, note, reason)
    except ValueError as exc:  # a reason not on the list, "other" without a note
        return _bad(str(exc))
    if payload is None:  # without the script: back to the queue with a message
        for outcome in outcomes:
            flash(f"{action}: done" if outcome.ok else outcome.message)
        return redirect(request.referrer or url_for("queue.index"))
    return jsonify(results=[_result(o) for o in outcomes], counts=counts)


@bp.route("/updates")
@login_required
def updates():
    """What every moderator decided since review `after`, and the counts: the queue page
    asks every few seconds, so two moderators see each other's work without reloading."""
    after = min(2**31 - 1, max(0, _int(request.args.get("after")) or 0))  # an SQL integer
    found, latest, counts = changes(moderation().store, after)
    return jsonify(changes=found, latest=latest, counts=counts)


@bp.route("/undo", methods=["POST"])
@login_required
def take_back():
    """Undo the moderator's latest decision: every comment of a bulk one."""
    outcomes, counts = undo(moderation().store, current_user.name)
    results = []
    for outcome in outcomes:
        result = _result(outcome)
        restored = item(moderation().store, outcome.comment_id) if outcome.ok else None
        result["html"] = render_template("_item.html", item=restored) if restored else ""
        results.append(result)
    done = sum(r["ok"] for r in results)
    if not outcomes:
        message = "nothing of yours to undo"
    elif done == len(results) == 1:
        message = f"undone: back to {results[0]['state']}"
    elif done == len(results):
        message = f"undone: all {done} of the bulk decision"
    else:
        message = f"undone: {done}; " + "; ".join(r["message"] for r in results if not r["ok"])
    if not request.is_json:
        flash(message)
        return redirect(request.referrer or url_for("queue.index"))
    return jsonify(results=results, message=message, counts=counts)


def _filter(args) -> QueueFilter:
    states = tuple(s for s in args.getlist("state") if s in STATES) or OPEN
    return QueueFilter(
        states=states,
        rule=args.get("rule") or None,
        action=args.get("action") if args.get("action") in ("hold", "flag", "reject") else None,
        article=args.get("article") or None,
        author=args.get("author") or None,
        search=(args.get("q") or "")[:200] or None,
        min_score=_float(args.get("min_score")),
        max_score=_float(args.get("max_score")),
        page=min(MAX_PAGE, max(1, _int(args.get("page")) or 1)),
        per_page=min(MAX_PER_PAGE, max(1, _int(args.get("per_page")) or PER_PAGE)),
        after=Cursor.parse(args.get("after")),
        before=Cursor.parse(args.get("before")),
    )


def _bad(message: str):
    """400 with a message the page's script shows (the form fallback flashes it)."""
    if not request.is_json:
        flash(message)
        return redirect(request.referrer or url_for("queue.index"))
    return jsonify(error=message), 400


def _seen(items) -> list[tuple[str, int | None]]:
    if not isinstance(items, list):
        return []
    return [(str(i["id"]), _int(i.get("seen"))) for i in items if isinstance(i, dict) and "id" in i]


def _result(outcome) -> dict:
    return {
        "comment_id": outcome.comment_id, "ok": outcome.ok, "state": outcome.state,
        "review_id": outcome.review_id, "decided_by": outcome.decided_by, "message": outcome.message,
    }  # fmt: skip


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "", "null") else None
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
