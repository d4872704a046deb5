"""The live endpoints: Perspective-compatible API, Coral moderation phase, health.

Adapters over `moderation.live`: they read the request, call one library function and
answer JSON. Authentication is by API key or signature, so there is no session and no
CSRF token; every error is JSON in Perspective's shape.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from moderation.errors import ApiError, ModelError, ModerationError, StoreError
from webui.api import coral, perspective

logger = logging.getLogger(__name__)
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 413: "INVALID_ARGUMENT",
           429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}  # fmt: skip

blueprints: tuple[Blueprint, ...] = (perspective.bp, coral.bp)


def json_errors(bp: Blueprint) -> None:
    """Errors in this blueprint's views answer {"error": {code, message, status}}."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_body(error.code, error.status, error.message)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        return error_body(code, _STATUS.get(code, "INTERNAL"), error.description or error.name)

    @bp.errorhandler(ModelError)
    def model_error(error: ModelError):  # e.g. no weights and the fallback turned off
        logger.error("toxicity model unavailable: %s", error)
        return error_body(503, "UNAVAILABLE", f"The toxicity model cannot be used: {error}")

    @bp.errorhandler(StoreError)
    def store_error(error: StoreError):  # disk full, a locked or read-only store
        logger.error("store unavailable: %s", error)
        return error_body(503, "UNAVAILABLE", "The store cannot be written now; try again.")

    @bp.errorhandler(ModerationError)
    def moderation_error(error: ModerationError):
        return error_body(400, "INVALID_ARGUMENT", str(error))

    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("live request failed")
        return error_body(500, "INTERNAL", "Internal error; the server log has the details.")


def error_body(code: int, status: str, message: str):
    """A Google-style error answer."""
    return jsonify(error={"code": code, "message": message, "status": status}), code


for _bp in blueprints:
    json_errors(_bp)
