"""The current user's favorites [5.9]: nobody sees another's."""

from flask import g, url_for

from models.customers import favorites
from schemas.customers.favorites import FavoriteInput, FavoriteList, FavoriteOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/me/favorites"
blp = Blueprint("favorites", __name__, description="The current user's favorites")


@blp.route("", methods=["GET"])
@blp.response(200, FavoriteList)
@requires("session", READ)
def list_favorites():
    """Your favorites, oldest first (100 at most)."""
    return {"items": favorites.list_favorites(g.user.id)}


@blp.route("", methods=["POST"])
@blp.arguments(FavoriteInput)
@blp.created(FavoriteOutput, "favorite")
@blp.alt_response(409, description="Already a favorite, or 100 favorites already")
@requires("session", WRITE)
def add_favorite(data):
    """Add a shortcut: a label and a relative API path (customers/1234/contacts)."""
    favorite = favorites.add_favorite(g.user.id, data)
    return favorite, 201, {"Location": url_for(".list_favorites")}


@blp.route("/<int:favorite_id>", methods=["DELETE"])
@blp.response(204)
@requires("session", WRITE)
def remove_favorite(favorite_id):
    """Remove one of your favorites (someone else's is not found)."""
    favorites.remove_favorite(g.user.id, favorite_id)
