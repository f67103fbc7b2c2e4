"""The console's sign-in form."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, StringField

from console.forms import ConsoleForm


class LoginForm(ConsoleForm):
    email = StringField()
    password = PasswordField()
    next = HiddenField()
