"""`/v1alpha1/comments:analyze` and `:suggestscore`, as Perspective API answers them."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from moderation.live import load_json, perspective
from moderation.live.keys import KeyGate
from webui.state import moderation

bp = Blueprint("perspective", __name__)


@bp.route("/v1alpha1/comments:analyze", methods=["POST"])
def analyze():
    key = _gate().admit(_key())
    wanted = perspective.parse_analyze(_json(), moderation().settings.live)
    return jsonify(perspective.analyze(moderation().moderator, wanted, key))


@bp.route("/v1alpha1/comments:suggestscore", methods=["POST"])
def suggest_score():
    key = _gate().admit(_key())
    return jsonify(perspective.suggest_score(moderation().moderator, _json(), key))


@bp.route("/v1alpha1/attributes")
def attributes():
    """What this server can answer, with the model behind it."""
    moderator = moderation().moderator
    return jsonify(
        attributes=[
            {"name": name, "label": f"toxicity.{label}"}
            for name, label in perspective.attributes(moderator).items()
        ],
        languages=list(perspective.languages(moderator)),
        models={"toxicity": moderator.toxicity_id, "sentiment": moderator.sentiment.model_id},
        rules=moderator.rules.name,
    )


@bp.route("/$discovery/rest")
def discovery():
    """A discovery document, so Google's API client libraries can be pointed here."""
    root = url_for("queue.index", _external=True)
    return jsonify(perspective.discovery_document(root))


@bp.route("/healthz")
def health():
    """The models loaded and the rules in use."""
    moderator = moderation().moderator
    return jsonify(
        status="ok",
        models={
            "sentiment": moderator.sentiment.model_id,
            "toxicity": moderator.toxicity_id,
            "toxicity_loaded": moderator.toxicity is not None,
        },
        rules=moderator.rules.name,
    )


def _gate() -> KeyGate:
    return moderation().key_gate


def _key() -> str | None:
    return request.args.get("key") or request.headers.get("X-Goog-Api-Key")


def _json():
    return load_json(request.get_data(cache=False))
