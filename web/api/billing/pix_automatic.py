"""Pix Automático of a subscription: ask for the recurring authorization, follow it (status,
the QR code to approve by, each bill's recurring charge), cancel it."""

from models.billing import pix_automatic
from schemas.billing.pix import PixAutomaticInput, PixAutomaticOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("pix_automatic", __name__, description="Pix Automático of subscriptions")
PATH = "/subscriptions/<int:subscription_id>/pix-automatico"


@blp.route(PATH, methods=["POST"])
@blp.arguments(PixAutomaticInput)
@blp.response(202, PixAutomaticOutput)
@blp.alt_response(409, description="No active PSP connection, or already a live one")
@requires("pix", WRITE)
def request_pix_automatic(data, subscription_id):
    """Ask the PSP for the subscription's recurring authorization (a worker creates it; then
    GET shows the QR code the customer approves by)."""
    return pix_automatic.request_recurrence(subscription_id, data["journey"])


@blp.route(PATH, methods=["GET"])
@blp.response(200, PixAutomaticOutput)
@requires("pix", READ)
def get_pix_automatic(subscription_id):
    """The subscription's latest authorization, its QR code and its recurring charges."""
    return pix_automatic.latest_recurrence(subscription_id)


@blp.route(PATH, methods=["DELETE"])
@blp.response(202, PixAutomaticOutput)
@requires("pix", WRITE)
def cancel_pix_automatic(subscription_id):
    """Cancel the live authorization (a worker tells the PSP)."""
    return pix_automatic.cancel_recurrence(subscription_id)
