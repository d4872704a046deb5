"""A Perspective API replacement: `comments:analyze` and `comments:suggestscore`.

Requests and answers have Perspective's shape, so a client changes only its base URL.
Scores come from the loaded toxicity model through the scoring core; an attribute that
model does not give is an error naming the model, never a made-up score. Answers also
carry the rule decision and the exact model ids, which Perspective does not have.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moderation.core import Moderated, Moderator
from moderation.errors import ApiError
from moderation.records import Article, Comment, stable_id
from moderation.settings import LiveSettings
from moderation.sources.html_text import read_html
from moderation.store import comments as comment_store
from moderation.store import queue as queue_store
from moderation.store.keys import ApiKey

logger = logging.getLogger(__name__)

# Perspective attribute -> the label that answers it, for Detoxify's models
DETOXIFY_ATTRIBUTES = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexual_explicit",
}
# and for the offline fallback, alt-profanity-check, whose one label is offensive language
FALLBACK_ATTRIBUTES = {"PROFANITY": "profanity"}
MULTILINGUAL = ("en", "fr", "es", "it", "pt", "tr", "ru")  # Detoxify's multilingual model
SCORE_TYPES = ("PROBABILITY", None)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


@dataclass(frozen=True)
class AnalyzeRequest:
    """The parts of a `comments:analyze` request this server uses."""

    text: str
    quote: str | None
    attributes: dict[str, float | None]  # attribute -> scoreThreshold
    languages: tuple[str, ...]
    do_not_store: bool
    span_annotations: bool
    client_token: str | None
    unreadable: str | None = None  # HTML whose text could not be read fully


def attributes(moderator: Moderator) -> dict[str, str]:
    """Attribute -> label for the loaded toxicity model: only those it really gives."""
    labels = set(moderator.toxicity_labels())
    table = (
        FALLBACK_ATTRIBUTES if labels == set(FALLBACK_ATTRIBUTES.values()) else DETOXIFY_ATTRIBUTES
    )
    return {name: label for name, label in table.items() if label in labels}


def languages(moderator: Moderator) -> tuple[str, ...]:
    """The languages the loaded toxicity model was trained on."""
    return MULTILINGUAL if "multilingual" in moderator.toxicity_id else ("en",)


def parse_analyze(body: Any, live: LiveSettings) -> AnalyzeRequest:
    """Check an analyze request's JSON; a 400 ApiError names the first problem."""
    if not isinstance(body, dict):
        raise _invalid("Invalid JSON payload received: expected an object.")
    comment = body.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("text"), str):
        raise _invalid("Comment must be specified: comment.text is missing.")
    kind = comment.get("type", "PLAIN_TEXT")
    if kind not in ("PLAIN_TEXT", "HTML"):
        raise _invalid(f"comment.type must be PLAIN_TEXT or HTML, not {kind!r}.")
    text = comment["text"]
    if len(text) > live.max_text:
        raise _invalid(f"Comment text too long: {len(text)} characters, at most {live.max_text}.")
    own, quote, unreadable = read_html(text) if kind == "HTML" else (text, None, None)
    if not own.strip():
        raise _invalid("Comment text was empty.")
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise _invalid("requestedAttributes must name at least one attribute.")
    thresholds = {name: _threshold(name, spec) for name, spec in requested.items()}
    wanted_languages = body.get("languages") or []
    if not isinstance(wanted_languages, list) or not all(
        isinstance(x, str) for x in wanted_languages
    ):
        raise _invalid("languages must be a list of language codes.")
    token = body.get("clientToken")
    return AnalyzeRequest(
        text=own,
        quote=quote,
        attributes=thresholds,
        languages=tuple(x.lower() for x in wanted_languages),
        do_not_store=_flag(body, "doNotStore"),
        span_annotations=_flag(body, "spanAnnotations"),
        client_token=token if isinstance(token, str) else None,
        unreadable=unreadable,
    )


def analyze(moderator: Moderator, request: AnalyzeRequest, key: ApiKey) -> dict[str, Any]:
    """Scores for the requested attributes, the rule decision, and the model ids.

    With doNotStore off, the comment is stored (it lands in the review queue when the
    rules flag it); with it on, no text is kept anywhere, only scores by the text's hash.
    """
    available = attributes(moderator)
    for name in request.attributes:
        if name not in DETOXIFY_ATTRIBUTES and name not in FALLBACK_ATTRIBUTES:
            raise _invalid(
                f"Unknown attribute: {name}. This server answers {', '.join(available)}."
            )
        if name not in available:
            raise _invalid(
                f"Attribute {name} is not available: the loaded toxicity model "
                f"{moderator.toxicity_id} gives {', '.join(available) or 'none'}."
            )
    spoken = languages(moderator)
    unsupported = [x for x in request.languages if x.split("-")[0] not in spoken]
    if request.languages and len(unsupported) == len(request.languages):
        raise ApiError(
            400,
            "INVALID_ARGUMENT",
            f"Attribute {next(iter(request.attributes))} does not support request languages: "
            f"{','.join(unsupported)} (the loaded model reads {','.join(spoken)}).",
        )
    article = _article(key)
    comment = Comment(
        id=_comment_id(request.client_token, request.text),
        article_id=article.id, author="", position=1, text=request.text, quote=request.quote,
        unreadable=request.unreadable,
    )  # fmt: skip
    result = moderator.moderate(comment, article, author_history=False)
    if not request.do_not_store and moderator.store is not None:
        moderator.record([result], [article])
    answer: dict[str, Any] = {
        "attributeScores": _scores(moderator, request, result, available),
        "languages": list(request.languages) or [spoken[0]],
        "detectedLanguages": [x for x in request.languages if x.split("-")[0] in spoken]
        or [spoken[0]],
        "moderation": decision_summary(result, stored=not request.do_not_store),
    }
    if request.client_token is not None:
        answer["clientToken"] = request.client_token
    logger.info(
        "analyze key=%s action=%s stored=%s",
        key.name, result.decision.action, not request.do_not_store,
    )  # fmt: skip
    return answer


def suggest_score(moderator: Moderator, body: Any, key: ApiKey) -> dict[str, Any]:
    """A moderator's decision made elsewhere (Coral sends one per decision): 0 approved,
    1 rejected. Recorded on the stored comment, so rule precision counts it."""
    if not isinstance(body, dict):
        raise _invalid("Invalid JSON payload received: expected an object.")
    scores = body.get("attributeScores")
    if not isinstance(scores, dict) or not scores:
        raise _invalid("attributeScores must hold the suggested score.")
    values = [
        (spec.get("summaryScore") or {}).get("value") if isinstance(spec, dict) else None
        for spec in scores.values()
    ]
    if not all(isinstance(v, int | float) and 0 <= v <= 1 for v in values):
        raise _invalid("attributeScores.NAME.summaryScore.value must be a number from 0 to 1.")
    token = body.get("clientToken") if isinstance(body.get("clientToken"), str) else None
    comment = body.get("comment") if isinstance(body.get("comment"), dict) else {}
    text = comment.get("text") if isinstance(comment.get("text"), str) else None
    if moderator.store is None:
        raise ApiError(503, "UNAVAILABLE", "This server has no store to record decisions in.")
    action = "reject" if max(values) >= 0.5 else "approve"
    with moderator.store.transaction(immediate=True) as connection:
        comment_id = _stored_id(connection, token, text)
        if comment_id is None:
            raise ApiError(
                404,
                "NOT_FOUND",
                "No stored comment for this clientToken or text: only comments sent with "
                "doNotStore false, or through the Coral phase, can take a decision.",
            )
        state = queue_store.current(connection, comment_id)
        outcome = queue_store.decide(
            connection, comment_id, f"coral ({key.name})", action, state[1] if state else None,
            datetime.now(UTC), "decided in the comment system, sent as a suggested score",
        )  # fmt: skip
    logger.info("suggestscore key=%s comment=%s %s", key.name, comment_id, action)
    answer: dict[str, Any] = {"moderation": {"commentId": comment_id, "state": outcome.state}}
    if token is not None:
        answer["clientToken"] = token
    return answer


def decision_summary(result: Moderated, stored: bool) -> dict[str, Any]:
    """The rule decision and model ids, as the live endpoints report them."""
    decision = result.decision
    return {
        "action": decision.action.value if decision.action else None,
        "rules": [
            {
                "id": m.rule_id,
                "action": m.action.value,
                "reasons": list(m.reasons),
                "shadow": m.shadow,
            }
            for m in decision.matches
        ],
        "ruleset": decision.ruleset,
        "models": {
            "toxicity": result.scores.toxicity.model,
            "sentiment": result.scores.sentiment.model,
        },
        "commentId": result.comment.id if stored else None,
    }


def _scores(
    moderator: Moderator, request: AnalyzeRequest, result: Moderated, available: dict[str, str]
) -> dict[str, Any]:
    labels = result.scores.toxicity.labels
    spans = _sentences(request.text) if request.span_annotations else []
    span_labels = (
        moderator.toxicity_of([request.text[b:e] for b, e in spans]) if len(spans) > 1 else []
    )
    found: dict[str, Any] = {}
    for name, threshold in request.attributes.items():
        value = float(labels[available[name]])
        if threshold is not None and value < threshold:
            continue  # as Perspective does: below its threshold, an attribute is left out
        entry: dict[str, Any] = {"summaryScore": _probability(value)}
        if request.span_annotations:
            values = [x[available[name]] for x in span_labels] if span_labels else [value]
            entry["spanScores"] = [
                {"begin": b, "end": e, "score": _probability(v)}
                for (b, e), v in zip(spans or [(0, len(request.text))], values, strict=True)
            ]
        found[name] = entry
    return found


def _sentences(text: str) -> list[tuple[int, int]]:
    """(begin, end) of each sentence, without the spaces around it."""
    spans = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group()
        if sentence.strip():
            begin = match.start() + len(sentence) - len(sentence.lstrip())
            spans.append((begin, match.start() + len(sentence.rstrip())))
    return spans


def _probability(value: float) -> dict[str, Any]:
    return {"value": round(value, 6), "type": "PROBABILITY"}


def _threshold(name: Any, spec: Any) -> float | None:
    if not isinstance(spec, dict):
        raise _invalid(f"requestedAttributes.{name} must be an object, e.g. {{}}.")
    if spec.get("scoreType") not in SCORE_TYPES:
        raise _invalid(f"requestedAttributes.{name}.scoreType: only PROBABILITY is supported.")
    threshold = spec.get("scoreThreshold")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 <= threshold <= 1):
        raise _invalid(f"requestedAttributes.{name}.scoreThreshold must be from 0 to 1.")
    return threshold


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise _invalid(f"{name} must be true or false.")
    return value


def _invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


def _article(key: ApiKey) -> Article:
    return Article(
        id=stable_id("a", "perspective-api", key.name),
        source=f"perspective-api:{key.name}",
        title=f"Perspective API requests ({key.name})",
    )


def _comment_id(token: str | None, text: str) -> str:
    """Coral's clientToken "comment:ID" names its comment; else the text names it."""
    if token and token.startswith("comment:") and len(token) > len("comment:"):
        return coral_comment_id(token.removeprefix("comment:"))
    return stable_id("p", text)


def coral_comment_id(coral_id: str) -> str:
    """Our id of a Coral comment, the same whichever endpoint it came through."""
    return f"coral-{coral_id}"


def _stored_id(connection, token: str | None, text: str | None) -> str | None:
    if token and token.startswith("comment:"):
        comment_id = coral_comment_id(token.removeprefix("comment:"))
        if queue_store.current(connection, comment_id) is not None:
            return comment_id
    return comment_store.latest_with_text(connection, text) if text else None


def discovery_document(root: str) -> dict[str, Any]:
    """Perspective's discovery document with this server as its root, for Google's client
    libraries (`discovery.build(..., discoveryServiceUrl=ROOT + "$discovery/rest?version=v1alpha1")`)."""

    def method(name: str, request: str, response: str) -> dict[str, Any]:
        return {
            "id": f"commentanalyzer.comments.{name}",
            "path": f"v1alpha1/comments:{name}",
            "flatPath": f"v1alpha1/comments:{name}",
            "httpMethod": "POST",
            "parameters": {},
            "parameterOrder": [],
            "request": {"$ref": request},
            "response": {"$ref": response},
        }

    schemas = ("AnalyzeCommentRequest", "AnalyzeCommentResponse",
               "SuggestCommentScoreRequest", "SuggestCommentScoreResponse")  # fmt: skip
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "version": "v1alpha1",
        "title": "Perspective Comment Analyzer API (self-hosted, moderation)",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "batchPath": "batch",
        "parameters": {
            "key": {"type": "string", "location": "query"},
            "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"]},
        },
        "resources": {
            "comments": {
                "methods": {
                    "analyze": method("analyze", schemas[0], schemas[1]),
                    "suggestscore": method("suggestscore", schemas[2], schemas[3]),
                }
            }
        },
        "schemas": {name: {"id": name, "type": "object", "properties": {}} for name in schemas},
    }
