"""Items of subscriptions [6.1.5.2]: mailboxes, RADIUS logins, fixed IPs, phone terminals."""

from flask import url_for

from models.customers.customers import get_customer
from models.service import items
from schemas.service.items import (
    DeletedItemPage,
    DeletedItemQuery,
    ItemInput,
    ItemList,
    ItemOutput,
    ItemPatch,
    ItemQuery,
)
from schemas.service.radius import DisconnectList
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("items", __name__, description="Items of subscriptions and the deleted ones")


@blp.route("/subscriptions/<int:subscription_id>/items", methods=["GET"])
@blp.arguments(ItemQuery, location="query")
@blp.response(200, ItemList)
@requires("subscriptions", READ)
def list_items(args, subscription_id):
    """The subscription's items (not deleted); ?kind= narrows."""
    return {"items": items.list_items(subscription_id, args.get("kind"))}


@blp.route("/subscriptions/<int:subscription_id>/items", methods=["POST"])
@blp.arguments(ItemInput)
@blp.created(ItemOutput, "item")
@blp.alt_response(409, description="Cancelled subscription, wrong plan kind, or in use")
@requires("subscriptions", WRITE)
def add_item(data, subscription_id):
    """Add an item; a login (or an IP) reaches RADIUS at once."""
    item = items.add_item(subscription_id, data)
    location = url_for(".get_item", subscription_id=subscription_id, item_id=item.id)
    return item, 201, {"Location": location}


@blp.route("/subscriptions/<int:subscription_id>/items/<int:item_id>", methods=["GET"])
@blp.response(200, ItemOutput)
@requires("subscriptions", READ)
def get_item(subscription_id, item_id):
    """One item."""
    return items.get_item(subscription_id, item_id)


@blp.route("/subscriptions/<int:subscription_id>/items/<int:item_id>", methods=["PATCH"])
@blp.arguments(ItemPatch)
@blp.response(200, ItemOutput)
@blp.alt_response(409, description="Cancelled, or a field this kind of item does not take")
@requires("subscriptions", WRITE)
def update_item(changes, subscription_id, item_id):
    """Change a login's password or MAC, or a mailbox's password or quota."""
    item = items.update_item(subscription_id, item_id, changes)
    return item


@blp.route("/subscriptions/<int:subscription_id>/items/<int:item_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="A login that still has a fixed IP")
@requires("subscriptions", WRITE)
def delete_item(subscription_id, item_id):
    """Delete an item (kept in [6.3]); a login leaves RADIUS and its sessions are disconnected."""
    items.delete_item(subscription_id, item_id)


@blp.route("/subscriptions/<int:subscription_id>/items/<int:item_id>/disconnect", methods=["POST"])
@blp.response(200, DisconnectList, description="The Disconnect-Requests owed (none: offline)")
@blp.alt_response(409, description="Not a RADIUS login")
@requires("subscriptions", WRITE)
def disconnect_login(subscription_id, item_id):
    """End a login's open sessions now: one Disconnect-Request to its NAS for each, sent by a
    worker after the commit (GET /radius/disconnects follows them)."""
    _, owed = items.disconnect_login(subscription_id, item_id)
    return {"items": owed}


@blp.route("/customers/<int:code>/deleted-items", methods=["GET"])
@blp.arguments(DeletedItemQuery, location="query")
@blp.response(200, DeletedItemPage)
@requires("subscriptions", READ)
def deleted_items(args, code):
    """Items deleted from the customer's subscriptions: what, when, by whom [6.3]."""
    get_customer(code)
    found, total = items.deleted_items(code, args["page"], args["per_page"])
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}
