"""Login, logout and "who am I"."""

from datetime import timedelta

from flask import current_app, g

from models import auth
from models.db import db
from models.errors import AuthenticationFailed, TooManyAttempts
from models.users import ROLES
from schemas.auth import LoginInput, TokenOutput
from schemas.users import UserOutput
from web.extensions import Blueprint
from web.security import public, roles

URL_PREFIX = ""
blp = Blueprint("auth", __name__, description="Staff login (bearer tokens)")


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginInput)
@blp.response(200, TokenOutput)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(429, description="Too many failed logins for this username; see Retry-After")
@blp.doc(security=[])
@public
def login(credentials):
    """Exchange a username and password for a bearer token."""
    settings = current_app.config["PROVEDOR_SETTINGS"]
    try:
        plain, token = auth.login(
            credentials["username"],
            credentials["password"],
            ttl=timedelta(hours=settings.token_ttl_hours),
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )
    except (AuthenticationFailed, TooManyAttempts):
        db.session.commit()  # keep the attempt count, which the lockout relies on
        raise
    db.session.commit()
    return {"access_token": plain, "expires_at": token.expires_at}


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
@roles(*ROLES)
def logout():
    """Revoke the token this request carries."""
    auth.revoke(g.token)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@blp.response(200, UserOutput)
@roles(*ROLES)
def me():
    """The logged-in user."""
    return g.user
