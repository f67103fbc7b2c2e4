"""The console's sign-in form as a Flask-WTF form (its CSRF token is checked for every console POST by the guard)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField


class LoginForm(FlaskForm):
    class Meta:
        csrf = False  # console.guard has checked csrf_token already, for this form as for every other

    email = StringField()
    password = PasswordField()
    next = HiddenField()
