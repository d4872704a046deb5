"""For admins: accounts, their roles and passwords, disabling them, and their last login."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from moderation.errors import ModerationError
from moderation.store import users
from webui.auth import role_required
from webui.state import connection

bp = Blueprint("admin", __name__, url_prefix="/admin")
DONE = {
    "role": "{name} is now {role}.",
    "password": "{name} has a new password; their sessions ended.",
    "disable": "{name} is disabled; their sessions ended.",
    "enable": "{name} may log in again.",
}


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    role = SelectField("Role", choices=list(users.ROLES))
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8)])


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def accounts():
    form = UserForm()
    if form.validate_on_submit():
        try:
            with connection(immediate=True) as conn:
                users.add(
                    conn, form.name.data, form.role.data, form.password.data, datetime.now(UTC)
                )
        except ModerationError as error:
            flash(str(error))
        else:
            flash(f"Added {form.name.data} ({form.role.data}).")
            return redirect(url_for("admin.accounts"))
    with connection() as conn:
        everyone = users.everyone(conn)
    return render_template("users.html", form=form, users=everyone, roles=users.ROLES)


@bp.route("/users/<int:user_id>", methods=["POST"])
@role_required("admin")
def change(user_id: int):
    """One change to an account: role, password, disable or enable (CSRF-checked form)."""
    what = request.form.get("do")
    if what not in DONE:
        abort(400)
    try:
        with connection(immediate=True) as conn:
            account = users.get(conn, user_id)
            if account is None:
                abort(404)
            if what == "role":
                users.set_role(conn, user_id, request.form.get("role", ""))
            elif what == "password":
                users.set_password(conn, user_id, request.form.get("password", ""))
            elif what == "disable":
                if user_id == current_user.id:
                    raise ModerationError("you cannot disable your own account")
                users.disable(conn, user_id, datetime.now(UTC))
            else:
                users.enable(conn, user_id)
    except ModerationError as error:
        flash(f"{account['name']}: {error}")
    else:
        flash(DONE[what].format(name=account["name"], role=request.form.get("role")))
    return redirect(url_for("admin.accounts"))
