"""Logging in and out, and who may open what: moderator < editor < admin."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from moderation.records import clean_name
from moderation.store import logins, users
from webui.state import connection

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to see the review queue."


class User(UserMixin):
    """A logged-in account."""

    def __init__(self, record: dict) -> None:
        self.id = record["id"]
        self.name = record["name"]
        self.role = record["role"]
        self.epoch = record["session_epoch"]

    def get_id(self) -> str:
        """What the session cookie keeps: the account and the epoch its session began in."""
        return f"{self.id}:{self.epoch}"

    def can(self, role: str) -> bool:
        """Whether this account's role includes `role`."""
        return users.can(self.role, role)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account of a session that has not been ended (see `users.end_sessions`)."""
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None  # a cookie from before sessions could be ended: log in again
    with connection() as conn:
        record = users.get(conn, int(user_id))
    if not record or record["disabled_at"] or record["session_epoch"] != int(epoch):
        return None
    return User(record)


def role_required(role: str) -> Callable:
    """Only accounts with this role (or a higher one) may open the page; others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        keys = [
            f"account:{clean_name(form.name.data).casefold()}",
            f"address:{request.remote_addr}",
        ]
        now = datetime.now(UTC)
        with connection() as conn:  # the hash check takes a while: not under the write lock
            wait = logins.locked_for(conn, keys, now)
            record = None if wait else users.authenticate(conn, form.name.data, form.password.data)
        if wait is None:
            with connection(immediate=True) as conn:
                if record is not None:
                    logins.succeeded(conn, keys[:1])
                    users.logged_in(conn, record["id"], now)
                else:
                    logins.failed(conn, keys, now)
        if wait is not None:
            flash(f"Too many failed logins: try again in {math.ceil(wait.total_seconds())} s.")
        elif record is not None:
            login_user(User(record))
            target = request.args.get("next", "")
            # Only a path on this site: never an open redirect.
            if not target.startswith("/") or urlsplit(target).netloc:
                target = url_for("queue.index")
            return redirect(target)
        else:
            flash("Wrong name or password.")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with connection(immediate=True) as conn:  # every browser of this account, not only this one
        users.end_sessions(conn, current_user.id)
    logout_user()
    return redirect(url_for("auth.login"))
