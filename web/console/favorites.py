"""Favoritos [5.9]: a star on the record marks the customer; the header lists them.

The API's favorites (models/customers/favorites.py): each user's own shortcuts, a label and a
relative API path. The console saves a customer as `customers/<code>` labelled with the name,
and lists in the header the user's favorites that are customers. One query per request, made
only when a page shows the menu or the star (`user_favorites()`, kept for the request).
"""

import re

from flask import g, redirect, render_template, url_for

from models.customers import favorites
from models.customers.customers import get_customer
from models.errors import DomainError
from schemas.customers.favorites import FavoriteInput
from web.console.blueprint import bp, is_fragment_request
from web.console.forms import add_messages, domain_errors, load
from web.permissions import READ
from web.security import requires

_CUSTOMER_TARGET = re.compile(r"customers/(\d+)/?")
LABEL_LENGTH = 80  # FavoriteInput's

add_messages(
    (r"At most (\d+) favorites; remove one first\.", "No máximo {0} favoritos: remova um antes."),
    (r".* is already a favorite\.", "Este cliente já está nos favoritos."),
    (r"Already a favorite\.", "Este cliente já está nos favoritos."),
)


def target_of(code: int) -> str:
    """The API path a customer's favorite points to."""
    return f"customers/{code}"


def user_favorites() -> list[dict]:
    """The signed-in user's favorite customers ({id, code, label}), oldest first; one query,
    once per request."""
    if "console_favorites" not in g:
        found = []
        if g.get("user") is not None:
            for favorite in favorites.list_favorites(g.user.id):
                match = _CUSTOMER_TARGET.fullmatch(favorite.target)
                if match:
                    found.append(
                        {"id": favorite.id, "code": int(match[1]), "label": favorite.label}
                    )
        g.console_favorites = found
    return g.console_favorites


def favorite_of(code: int) -> dict | None:
    """The user's favorite for this customer, if they marked it."""
    return next((item for item in user_favorites() if item["code"] == code), None)


@bp.app_context_processor
def _favorites_in_templates():
    return {"user_favorites": user_favorites, "favorite_of": favorite_of}


@bp.route("/clientes/<int:code>/favorito", methods=["POST"])
@requires("customers", READ)  # every role keeps its own favorites ("session" write: all roles)
def toggle_favorite(code: int):
    """Mark the customer as a favorite, or unmark it; answers the star and the header's menu."""
    customer = get_customer(code)
    current = favorite_of(code)
    errors: dict[str, list[str]] = {}
    try:
        if current is not None:
            favorites.remove_favorite(g.user.id, current["id"])
        else:
            body = {"label": customer.name[:LABEL_LENGTH], "target": target_of(code)}
            data, errors = load(FavoriteInput(), body)
            if not errors:
                favorites.add_favorite(g.user.id, data)
    except DomainError as refused:
        errors = domain_errors(refused)
    g.pop("console_favorites", None)  # read again: the star and the menu show the change
    if not is_fragment_request():
        return redirect(url_for("console.record", code=code), 303)
    messages = [message for field in errors.values() for message in field]
    return render_template(
        "console/record/favorite_toggled.html", customer=customer, favorite_errors=messages
    ), (409 if messages else 200)
