"""`/coral/moderation`: the URL to give Coral as an external moderation phase."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from moderation.live import coral
from webui.state import moderation

bp = Blueprint("coral", __name__)


@bp.route("/coral/moderation", methods=["POST"])
def moderate():
    answer = coral.moderate(
        moderation().moderator,
        request.get_data(cache=False),
        request.headers.get("X-Coral-Signature"),
        moderation().settings.live,
    )
    return ("", 204) if answer is None else jsonify(answer)
