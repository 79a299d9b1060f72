"""Entrar / Sair [1]: the same users, roles, lockout and history as the API, by session cookie."""

from contextlib import suppress
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from models.errors import AuthenticationFailed, TooManyAttempts
from models.staff import tokens
from schemas.staff.auth import LoginInput
from web.console.blueprint import bp, render
from web.console.forms import body_from, load
from web.permissions import WRITE
from web.security import SESSION_TOKEN, log_in, public, requires


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("console.search")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("console.search")
    return target


def _end_previous_session() -> None:
    """Signing in where someone never signed out (a shared terminal) ends their session too: a
    copy of their cookie opens nothing afterwards."""
    previous = session.get(SESSION_TOKEN)
    if isinstance(previous, str) and previous:
        # One already ended (expired, revoked, its user deactivated) is left as it is.
        with suppress(AuthenticationFailed):
            tokens.revoke(tokens.authenticate(previous))


@bp.route("/entrar", methods=["GET"])
@public
def sign_in_form():
    return render("console/sign_in.html", next=request.args.get("next", ""), errors={})


@bp.route("/entrar", methods=["POST"])
@public
def sign_in():
    """Check the password, then start a new session (a new cookie: nothing of the old one stays)."""
    form = request.form
    typed = {"username": form.get("username", ""), "next": form.get("next", "")}
    credentials, errors = load(LoginInput(), body_from(form, ("username", "password")))
    if errors:
        return render("console/sign_in.html", errors=errors, **typed), 422
    try:
        plain, _token = log_in(credentials["username"], credentials["password"])
    except AuthenticationFailed:
        errors = {"_schema": ["Usuário ou senha incorretos."]}
        return render("console/sign_in.html", errors=errors, **typed), 401
    except TooManyAttempts as error:
        minutes = max(1, round(error.retry_after_seconds / 60))
        errors = {"_schema": [f"Muitas tentativas. Tente de novo em {minutes} min."]}
        response = render("console/sign_in.html", errors=errors, **typed), 429
        return (*response, {"Retry-After": str(error.retry_after_seconds)})
    _end_previous_session()
    session.clear()  # a fresh session: a new CSRF secret, nothing carried over
    session[SESSION_TOKEN] = plain
    return redirect(safe_next(typed["next"]), 303)


@bp.route("/sair", methods=["POST"])
@requires("session", WRITE)
def sign_out():
    """End the session: its token is revoked, its cookie emptied."""
    tokens.revoke(g.token)
    session.clear()
    return redirect(url_for("console.sign_in_form"), 303)
