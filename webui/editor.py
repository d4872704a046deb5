"""For editors: the rule file in use, reloading it, per-rule outcomes, score distributions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from moderation.errors import RuleFileError
from moderation.store import decisions
from webui.auth import role_required
from webui.state import connection, moderation

bp = Blueprint("editor", __name__)


@bp.route("/rules")
@role_required("editor")
def index():
    rules = moderation().rules
    with connection() as conn:
        stats = decisions.rule_stats(conn)
        histograms = decisions.histograms(conn)
    source = moderation().settings.rules.read_text(encoding="utf-8")
    return render_template(
        "rules.html", rules=rules, stats=stats, histograms=histograms, source=source
    )


@bp.route("/rules/reload", methods=["POST"])
@role_required("editor")
def reload():
    try:
        rules = moderation().reload_rules()
    except RuleFileError as error:
        flash(f"Not reloaded, the rules in use are unchanged: {error}")
    else:
        flash(f"Reloaded {rules.name}: {len(rules.rules)} rules.")
    return redirect(url_for("editor.index"))
