"""A Coral external moderation phase: Coral POSTs each new or edited comment here.

The request is signed (`X-Coral-Signature: sha256=<hex>[,sha256=<hex>]`, HMAC-SHA256 of
the raw body with the phase's signing secret); nothing is read before the signature
checks out. Every comment received is stored with its Coral ids, so the review queue,
thread context and author history include live comments; an edit keeps the earlier text
and decision. The answer is None (Coral leaves the comment as it is) or a status and a
flag for Coral to apply.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from moderation.core import Moderated, Moderator
from moderation.errors import ApiError
from moderation.live import load_json
from moderation.live.perspective import coral_comment_id
from moderation.records import (
    Action,
    Article,
    Comment,
    Decision,
    ReplyBasis,
    Scores,
    ScoreSet,
    stable_id,
)
from moderation.settings import LiveSettings
from moderation.sources.html_text import read_html
from moderation.store import comments as comment_store
from moderation.store import coral as coral_store

logger = logging.getLogger(__name__)

STAFF_ROLES = {"STAFF", "MODERATOR", "ADMIN"}
# The rule's action -> what Coral does with the comment.
STATUS = {
    Action.HOLD: "SYSTEM_WITHHELD",
    Action.REJECT: "REJECTED",
    Action.APPROVE: "APPROVED",
    Action.FLAG: None,  # stays as it is, with a flag for moderators
}


@dataclass(frozen=True)
class PhaseRequest:
    """What Coral sends about one comment."""

    action: str  # NEW or EDIT
    body: str
    parent_id: str | None
    comment_id: str | None  # Coral's id, where the request gives one
    author_id: str
    author_role: str
    story_id: str
    story_url: str
    tenant_id: str


def verify(raw: bytes, header: str | None, secrets: list[tuple[str, str]]) -> str:
    """The phase whose secret signed the body; a 401 ApiError if none did."""
    offered = [
        part.strip().removeprefix("sha256=")
        for part in (header or "").split(",")
        if part.strip().startswith("sha256=")
    ]
    if not offered:
        raise ApiError(401, "UNAUTHENTICATED", "Missing X-Coral-Signature header.")
    for phase, secret in secrets:
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, signature) for signature in offered):
            return phase
    raise ApiError(401, "UNAUTHENTICATED", "X-Coral-Signature does not match any phase secret.")


def parse(raw: bytes) -> PhaseRequest:
    """The request's fields; a 400 ApiError names the first one missing or wrong."""
    body = load_json(raw)
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_ARGUMENT", "The body must be a JSON object.")

    def field(path: str, required: bool = True) -> str | None:
        value: Any = body
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value):
            raise ApiError(400, "INVALID_ARGUMENT", f"{path} must be a non-empty string.")
        return value

    action = field("action")
    if action not in ("NEW", "EDIT"):
        raise ApiError(400, "INVALID_ARGUMENT", f"action must be NEW or EDIT, not {action!r}.")
    if not isinstance((body.get("comment") or {}).get("body"), str):
        raise ApiError(400, "INVALID_ARGUMENT", "comment.body must be a string.")
    return PhaseRequest(
        action=action,
        body=body["comment"]["body"],
        parent_id=field("comment.parentID", required=False),
        comment_id=field("comment.id", required=False),
        author_id=field("author.id"),
        author_role=field("author.role", required=False) or "COMMENTER",
        story_id=field("story.id"),
        story_url=field("story.url", required=False) or "",
        tenant_id=field("tenantID", required=False) or "",
    )


def moderate(
    moderator: Moderator, raw: bytes, signature: str | None, live: LiveSettings
) -> dict[str, Any] | None:
    """Check, store and decide one comment; Coral's answer, or None when no rule acts."""
    store = moderator.store
    with store.transaction() as connection:
        phase = verify(raw, signature, coral_store.active(connection))
    request = parse(raw)
    if len(request.body) > live.max_text:
        raise ApiError(400, "INVALID_ARGUMENT", f"comment.body is over {live.max_text} characters.")
    article = Article(
        id=stable_id("a", "coral", request.tenant_id, request.story_id),
        source=request.story_url or f"coral:{request.story_id}",
        title=request.story_url or request.story_id,
    )
    comment = _comment(moderator, request, article)
    staff = request.author_role.upper() in STAFF_ROLES and not live.moderate_staff
    if staff:  # stored for thread context, not decided: staff comments pass
        result = Moderated(comment, *_unscored(moderator))
    else:
        result = moderator.moderate(comment, article)
    moderator.record([result], [article])
    answer = None if staff else phase_answer(result)
    logger.info(
        "coral phase=%s %s comment=%s action=%s",
        phase, request.action, comment.id, result.decision.action,
    )  # fmt: skip
    return answer


def phase_answer(result: Moderated) -> dict[str, Any] | None:
    """What Coral is told: nothing when no rule acts; else a status and/or a flag."""
    decision = result.decision
    if decision.action is None:
        return None
    answer: dict[str, Any] = {}
    status = STATUS[decision.action]
    if status:
        answer["status"] = status
    if decision.action is not Action.APPROVE:
        winner = decision.matches[0].rule_id
        reason = "COMMENT_DETECTED_SPAM" if "spam" in winner else "COMMENT_DETECTED_TOXIC"
        answer["actions"] = [{"actionType": "FLAG", "reason": reason}]
    return answer


def _comment(moderator: Moderator, request: PhaseRequest, article: Article) -> Comment:
    text, quote, unreadable = read_html(request.body)  # Coral's comment bodies are HTML
    if request.comment_id:
        comment_id = coral_comment_id(request.comment_id)
    elif request.action == "EDIT":
        # Coral's edit request names no comment: the author's latest on the story is the one.
        with moderator.store.transaction() as connection:
            comment_id = comment_store.latest_by(connection, article.id, request.author_id)
        if comment_id is None:
            raise ApiError(404, "NOT_FOUND", "EDIT of a comment this server has not seen.")
    else:
        comment_id = stable_id(
            "coral-", request.tenant_id, request.story_id, request.author_id,
            request.parent_id, request.body,
        )  # fmt: skip
    return Comment(
        id=comment_id,
        article_id=article.id,
        author=request.author_id,
        position=1,
        text=text,
        quote=quote,
        parent_id=coral_comment_id(request.parent_id) if request.parent_id else None,
        reply_basis=ReplyBasis.EXPLICIT if request.parent_id else None,
        unreadable=unreadable,
    )


def _unscored(moderator: Moderator) -> tuple[Scores, Decision]:
    scores = Scores(ScoreSet(moderator.sentiment.model_id, {}), ScoreSet(moderator.toxicity_id, {}))
    return scores, Decision(action=None, ruleset=moderator.rules.name)
