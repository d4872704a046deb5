"""The moderators' review queue and the live endpoints: a Flask app over the same store
and scoring core as the command line.

create_app() -> app; `moderation serve` runs it on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from moderation.errors import ModerationError
from moderation.records import reveal
from moderation.store import app_secrets
from webui import admin, api, audit, auth, authors, comments, editor, queue
from webui.state import Moderation

logger = logging.getLogger(__name__)
csrf = CSRFProtect()

SECURITY_HEADERS = {
    # Comment text is hostile: no inline script, nothing from elsewhere, no framing.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app; `test_config` overrides settings (tests pass a temporary store)."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("MODERATION_SECRET_KEY"),
        MODERATION_DB=None,  # else moderation.toml / $MODERATION_DB
        MODERATION_RULES=os.environ.get("MODERATION_RULES"),
        MODERATION_CONFIG=os.environ.get("MODERATION_CONFIG"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure: sent over HTTPS only. On by MODERATION_SECURE_COOKIES=1 behind HTTPS.
        SESSION_COOKIE_SECURE=os.environ.get("MODERATION_SECURE_COOKIES") == "1",
        WTF_CSRF_TIME_LIMIT=None,  # a token lasts as long as the session: a shift is long
        QUEUE_POLL_MS=4000,  # how often the queue page asks what other moderators decided
    )
    if test_config:
        app.config.update(test_config)
    state = app.extensions["moderation"] = Moderation.from_config(app.config)
    if not app.config["SECRET_KEY"]:
        # One key for every worker and server on this store, kept across restarts: a key
        # made per process failed every login that reached another gunicorn worker.
        with state.store.transaction(immediate=True) as connection:
            app.config["SECRET_KEY"] = app_secrets.shared(connection, "session-key")
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # request bodies: 413 beyond this
        app.config["MAX_CONTENT_LENGTH"] = state.settings.live.max_body
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (auth.bp, queue.bp, comments.bp, authors.bp, audit.bp, editor.bp, admin.bp):
        app.register_blueprint(blueprint)
    for blueprint in api.blueprints:  # key or signature auth: no session, no CSRF token
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    _register_errors(app)
    app.add_template_filter(reveal, "reveal")
    app.add_template_filter(_when, "when")
    app.after_request(_secure)
    return app


def _when(value) -> str:
    """A stored time as people read it: to the minute, UTC."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else value or ""


def _secure(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if request.endpoint != "static":  # pages and exports carry comment text: never cached
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ModerationError)
    def moderation_error(error: ModerationError):
        return render_template("error.html", title="Something is wrong", message=str(error)), 400

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if request.is_json:  # the queue's script shows this message
            return {"error": "this page is out of date: reload it and try again"}, 400
        return render_template(
            "error.html",
            title="Form expired",
            message="The form was stale or came from elsewhere; reload the page and try again.",
        ), 400

    @app.errorhandler(403)
    def forbidden(_error):
        return render_template(
            "error.html", title="Not allowed", message="Your account's role cannot open this page."
        ), 403

    @app.errorhandler(404)
    def not_found(_error):
        return render_template(
            "error.html", title="Not found", message="There is nothing at this address."
        ), 404


__all__ = ["create_app"]
