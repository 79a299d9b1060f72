"""Consents per contact channel (LGPD): e-mail, SMS, WhatsApp, phone calls."""

from models.customers import consents
from schemas.customers.consents import (
    ConsentHistoryQuery,
    ConsentList,
    ConsentRecordPage,
    ConsentsInput,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint("consents", __name__, description="Consents per contact channel (LGPD)")


@blp.route("/<int:code>/consents", methods=["GET"])
@blp.response(200, ConsentList)
@requires("customers", READ)
def current(code):
    """Every channel's current state; never recorded shows `given: null`."""
    return {"items": consents.current_consents(code)}


@blp.route("/<int:code>/consents", methods=["PUT"])
@blp.arguments(ConsentsInput)
@blp.response(200, ConsentList)
@requires("customers", WRITE)
def record(data, code):
    """Record what the customer stated for one or more channels; when and by whom are taken
    from the request. Channels left out keep their state; every statement stays in history."""
    items = consents.record_consents(code, data["channels"])
    return {"items": items}


@blp.route("/<int:code>/consents/history", methods=["GET"])
@blp.arguments(ConsentHistoryQuery, location="query")
@blp.response(200, ConsentRecordPage)
@requires("customers", READ)
def history(args, code):
    """Every statement recorded, newest first: given or not, when, by whom, how."""
    items, total = consents.consent_history(
        code, args.get("channel"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
