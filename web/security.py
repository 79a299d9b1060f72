"""Authentication, role checks, and who-did-it for the change history.

The API authenticates a bearer token; the staff console the same kind of token, kept in its
signed session cookie (set at sign-in, web/console/auth.py). Every endpoint is closed by
default: it must be marked `public` or declare its roles.
"""

import ipaddress
from datetime import timedelta

from flask import Flask, abort, current_app, g, request, session

from models.audit import Actor, set_actor
from models.db import db
from models.errors import AuthenticationFailed
from models.staff import auth
from models.staff.tokens import AuthToken, authenticate
from models.staff.users import verify_password
from web.permissions import roles_for
from web.transactions import commit_step

_PUBLIC_ENDPOINTS = {
    "static",
    "console.static",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
}
CONSOLE = "console"  # the blueprint whose pages sign in by session cookie
SESSION_TOKEN = "token"  # noqa: S105 (the session key under which the user's token is kept)


def public(view):
    """Open this endpoint to callers without a token."""
    view.public = True
    return view


def webhook_secret(view):
    """Open this endpoint to callers without a token that prove the secret the view checks
    itself (a PSP's webhook): documented as the `webhookSecret` schemes."""
    view.public = True
    view.openapi_security = [{"webhookSecret": []}, {"webhookSecretHeader": []}]
    return view


def requires(area: str, action: str):
    """Allow this endpoint to the roles the role table gives `action` in `area`.

    Checked before any input is read.
    """
    allowed = roles_for(area, action)

    def decorate(view):
        view.allowed_roles = frozenset(allowed)
        view.__doc__ = f"{view.__doc__ or ''}\n\nRoles: {', '.join(allowed)}."
        return view

    return decorate


def may(area: str, action: str) -> bool:
    """Whether the current user's role allows `action` in `area` (for what a route shows)."""
    user = g.get("user")
    return user is not None and user.role in roles_for(area, action)


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Send 'Authorization: Bearer <token>'.")
    return token.strip()


def _console_token() -> str:
    token = session.get(SESSION_TOKEN)
    if not isinstance(token, str) or not token:
        raise AuthenticationFailed("Sign in first.")
    return token


def _authenticate_request():
    if request.method == "OPTIONS":
        return  # CORS preflight carries no credentials by design
    view = current_app.view_functions.get(request.endpoint)
    if view is None or request.endpoint in _PUBLIC_ENDPOINTS or getattr(view, "public", False):
        return
    if not hasattr(view, "allowed_roles"):
        abort(403, "This endpoint declares no roles.")  # fail closed
    token = authenticate(_console_token() if request.blueprint == CONSOLE else _bearer_token())
    g.user, g.token = token.user, token
    if token.user.role not in view.allowed_roles:
        abort(403, "Your role does not allow this.")  # before the body is even validated
    set_actor(
        db.session,
        Actor(
            username=token.user.username,
            user_id=token.user.id,
            ip=client_ip(),
            request_id=g.get("request_id"),
        ),
    )


def client_ip() -> str | None:
    """The client's address; a forwarded one only when it is a real IP address.

    ProxyFix has already taken X-Forwarded-For from the trusted hops; a garbled value there
    falls back to the address of the proxy that connected to us.
    """
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")


def _no_sniffing(response):
    """Browsers take every answer as the type it declares: a downloaded CSV, text file or
    document is never run as HTML or script because its bytes happen to look like it."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_security(app: Flask) -> None:
    app.before_request(_authenticate_request)
    app.after_request(_no_sniffing)


def log_in(username: str, password: str) -> tuple[str, AuthToken]:
    """A new token for a username and password (API login and console sign-in alike): the
    lockout counts every attempt, and the attempt's history, before the password is checked."""
    settings = current_app.config["PROVEDOR_SETTINGS"]
    policy = auth.LoginPolicy(
        max_failures=settings.login_max_failures,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        max_failures_per_account=settings.login_max_failures_per_account,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        token_ttl=timedelta(hours=settings.token_ttl_hours),
    )
    with commit_step():  # keep the attempt's count (the lockout relies on it), even on 429
        attempt = auth.start_login(username, client_ip(), policy)
    # No transaction is open while the password is hashed: a login storm holds no connections.
    matched, new_hash = verify_password(attempt.password_hash, password)
    with commit_step():  # a failure's count must stay too
        return auth.finish_login(attempt, matched, new_hash, policy)
