"""Login, logout and "who am I"."""

from datetime import timedelta

from flask import current_app, g

from models.staff import auth, tokens
from models.staff.users import verify_password
from schemas.staff.auth import LoginInput, TokenOutput
from schemas.staff.users import UserOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import client_ip, public, requires
from web.transactions import commit_step

URL_PREFIX = ""
blp = Blueprint("auth", __name__, description="Staff login (bearer tokens)")


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginInput)
@blp.response(200, TokenOutput)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(
    429,
    description="Too many failed logins for this username or address, or for this username "
    "from addresses it never logged in from",
    headers={
        "Retry-After": {
            "description": "Seconds until the next try",
            "required": True,
            "schema": {"type": "integer"},
        }
    },
)
@public
def login(credentials):
    """Exchange a username and password for a bearer token."""
    settings = current_app.config["PROVEDOR_SETTINGS"]
    policy = auth.LoginPolicy(
        max_failures=settings.login_max_failures,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        max_failures_per_account=settings.login_max_failures_per_account,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        token_ttl=timedelta(hours=settings.token_ttl_hours),
    )
    with commit_step():  # keep the attempt's count (the lockout relies on it), even on 429
        attempt = auth.start_login(credentials["username"], client_ip(), policy)
    # No transaction is open while the password is hashed: a login storm holds no connections.
    matched, new_hash = verify_password(attempt.password_hash, credentials["password"])
    with commit_step():  # a failure's count must stay too
        plain, token = auth.finish_login(attempt, matched, new_hash, policy)
    return {"access_token": plain, "expires_at": token.expires_at}


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
@requires("session", WRITE)
def logout():
    """Revoke the token this request carries."""
    tokens.revoke(g.token)


@blp.route("/me", methods=["GET"])
@blp.response(200, UserOutput)
@requires("session", READ)
def me():
    """The logged-in user."""
    return g.user
