"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from flask import g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from console.blueprint import bp
from console.forms.auth import LoginForm
from console.session import sign_in, sign_out
from console.staff import LoginRefused, TooManyAttempts, authenticate, end_sessions
from console.views import render, safe_next
from i18n import LANGUAGES


@bp.get("/login")
def login() -> ResponseReturnValue:
    if g.staff is not None:
        return redirect(url_for("console.portals"))
    return render("console/login.html", next=safe_next(request.args.get("next")))


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    form = LoginForm()
    email = form.email.data or ""
    next_url = safe_next(form.next.data)
    try:
        user = authenticate(email, form.password.data or "", request.remote_addr or "unknown")
    except TooManyAttempts as exc:
        response = render("console/login.html", 429, error="login_too_many", email=email, next=next_url,
                          minutes=max(1, exc.retry_after // 60))
        return response[0], 429, {"Retry-After": str(exc.retry_after)}
    except LoginRefused:
        return render("console/login.html", 401, error="login_refused", email=email, next=next_url)
    sign_in(user)
    return redirect(next_url or url_for("console.portals"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_sessions(g.staff)
    sign_out()
    return redirect(url_for("console.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> ResponseReturnValue:
    if code in LANGUAGES:
        session["console_lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("console.login"))
