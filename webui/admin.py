"""For admins: accounts and their roles."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from moderation.errors import ModerationError
from moderation.store import users
from webui.auth import role_required
from webui.state import connection

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
    return render_template("users.html", form=form, users=everyone)
