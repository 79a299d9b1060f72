"""Staff user administration (admins only)."""

from flask import g, url_for

from models.staff import auth, users
from schemas.common import PageQuery
from schemas.staff.users import UserInput, UserOutput, UserPage, UserPatch
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/users"
blp = Blueprint("users", __name__, description="Staff users and their roles")


@blp.route("", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, UserPage)
@requires("users", READ)
def list_users(paging):
    """List staff users by username."""
    items, total = users.list_users(paging["page"], paging["per_page"])
    return {"items": items, "total": total, **paging}


@blp.route("", methods=["POST"])
@blp.arguments(UserInput)
@blp.created(UserOutput, "user")
@blp.alt_response(409, description="Username taken")
@requires("users", WRITE)
def create_user(data):
    """Create a staff user."""
    user = users.create_user(**data)
    return user, 201, {"Location": url_for(".get_user", user_id=user.id)}


@blp.route("/<int:user_id>", methods=["GET"])
@blp.response(200, UserOutput)
@requires("users", READ)
def get_user(user_id):
    """One staff user."""
    return users.get_user(user_id)


@blp.route("/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOutput)
@blp.alt_response(403, description="Not an admin, or an admin demoting or deactivating themself")
@requires("users", WRITE)
def update_user(changes, user_id):
    """Change a user's role, name, password or active flag.

    Deactivation ends the user's sessions for good (reactivating does not revive them); a new
    password ends all but the caller's.
    """
    user = users.update_user(user_id, changes, acting_user=g.user, acting_token=g.token)
    return user


@blp.route("/<int:user_id>/unlock", methods=["POST"])
@blp.response(200, UserOutput)
@requires("users", WRITE)
def unlock_user(user_id):
    """Lift the user's failed-login locks: from every address, and the account's own (attempts
    from new addresses); the user's history records it."""
    user = auth.unlock_user(user_id)
    return user
