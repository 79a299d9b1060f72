"""Login, logout and "who am I"."""

from flask import g

from models.staff import tokens
from schemas.staff.auth import LoginInput, TokenOutput
from schemas.staff.users import UserOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import log_in, public, requires

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
    plain, token = log_in(credentials["username"], credentials["password"])
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
