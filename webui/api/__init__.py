"""The live endpoints: Perspective-compatible API, Coral moderation phase, health.

Adapters over `moderation.live`: they read the request, call one library function and
answer JSON. Authentication is by API key or signature, so there is no session and no
CSRF token; every error is JSON in Perspective's shape.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from moderation.errors import ApiError
from webui.api import coral, perspective

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


def error_body(code: int, status: str, message: str):
    """A Google-style error answer."""
    return jsonify(error={"code": code, "message": message, "status": status}), code


for _bp in blueprints:
    json_errors(_bp)
