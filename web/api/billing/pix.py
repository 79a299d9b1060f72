"""PIX through the PSPs: a billing account's PSP connection (admins), the webhook the PSP posts
to, the PIX received (finance) and a receivable's charge."""

from flask import request

from models.billing import (
    pix_automatic,
    pix_charges,
    pix_payments,
    pix_recurring_charges,
    psp_connections,
)
from models.errors import AuthenticationFailed, NotFound
from schemas.billing.pix import (
    PixChargeOutput,
    PspConnectionInput,
    PspConnectionOutput,
    ReceivedPixPage,
    ReceivedPixQuery,
    WebhookAnswer,
    WebhookRegistration,
    WebhookRegistrationOutput,
)
from web.extensions import Blueprint, JsonBodyParser
from web.permissions import READ, WRITE
from web.security import requires, webhook_secret

URL_PREFIX = ""
blp = Blueprint("pix", __name__, description="PIX: PSP connections, webhooks, PIX received")
WEBHOOK_KINDS = ("pix", "rec", "cobr")


@blp.route("/billing-accounts/<int:account_id>/psp", methods=["GET"])
@blp.response(200, PspConnectionOutput)
@requires("psp_connections", READ)
def get_psp_connection(account_id):
    """The account's PSP connection (its secrets never shown: only whether they are set)."""
    return psp_connections.get_connection(account_id)


@blp.route("/billing-accounts/<int:account_id>/psp", methods=["PUT"])
@blp.arguments(PspConnectionInput)
@blp.response(200, PspConnectionOutput)
@blp.alt_response(201, schema=PspConnectionOutput, description="Connection created")
@requires("psp_connections", WRITE)
def put_psp_connection(data, account_id):
    """Connect the account to its PSP's API Pix, or change the connection: a secret left out
    keeps the stored one. Then register the webhook (POST .../psp/webhook)."""
    connection, created = psp_connections.save_connection(account_id, data)
    return connection, 201 if created else 200


@blp.route("/billing-accounts/<int:account_id>/psp/webhook", methods=["POST"])
@blp.arguments(WebhookRegistration)
@blp.response(202, WebhookRegistrationOutput)
@blp.alt_response(409, description="Inactive connection, or PUBLIC_BASE_URL not set")
@requires("psp_connections", WRITE)
def register_webhook(_data, account_id):
    """Register the webhook with the PSP under a new secret (a worker calls the PSP): the
    previous secret stops working once it is done (webhook_registered_at)."""
    psp_connections.request_webhook_registration(account_id)
    return {"status": "queued"}


def _webhook_secret() -> str | None:
    # Registered as ?hmac=SECRET&ignorar=: a PSP that appends /pix to the whole URL puts it in
    # `ignorar`; the proxy may instead pass the secret in a header.
    return request.headers.get("X-Webhook-Secret") or request.args.get("hmac")


@blp.route("/pix/webhook/<int:account_id>", methods=["POST"])
@blp.route("/pix/webhook/<int:account_id>/<any(pix, rec, cobr):kind>", methods=["POST"])
@blp.response(200, WebhookAnswer)
@blp.alt_response(401, description="Not this account's webhook secret")
@webhook_secret
def webhook(account_id, kind="pix"):
    """Where the PSP posts (behind the proxy that checks its mutual TLS): `{"pix": [...]}`
    (a bare array from Inter), and for Pix Automático `{"recs": [...]}`, `{"cobsr": [...]}`.
    Stored and answered at once; a worker applies them. The same PIX posted again is ignored."""
    connection = psp_connections.connection_for_webhook(account_id, _webhook_secret())
    if connection is None:
        raise AuthenticationFailed("Not a webhook of this service.")
    body = JsonBodyParser().load_json(request, None)
    if isinstance(body, dict) and ("recs" in body or "cobsr" in body):
        return {"received": _automatic(connection, body)}
    items = body.get("pix") if isinstance(body, dict) else body  # Inter: a bare array
    parsed = pix_payments.parse_pix(items)
    ids = pix_payments.record_received(connection.billing_account_id, parsed, pix_payments.WEBHOOK)
    pix_payments.queue_apply(ids)
    return {"received": len(parsed)}


def _automatic(connection, body: dict) -> int:
    """Pix Automático: recurrences move to the PSP's status; recurring charges concluded record
    their PIX (settled by the worker, once), failed ones fall back to the boleto/PIX ladder."""
    account_id = connection.billing_account_id
    received = 0
    if "recs" in body:
        received += pix_automatic.receive_recs(account_id, body["recs"])
    if "cobsr" in body:
        received += pix_recurring_charges.receive_cobrs(account_id, body["cobsr"])
    return received


@blp.route("/pix/received", methods=["GET"])
@blp.arguments(ReceivedPixQuery, location="query")
@blp.response(200, ReceivedPixPage)
@requires("pix", READ)
def list_received(query):
    """PIX received on the accounts' keys, newest first: `status=unknown` lists those whose txid
    no charge has, `not_owed` those for a receivable already paid or cancelled."""
    page, per_page = query.pop("page"), query.pop("per_page")
    items, total = pix_payments.list_received(query, page, per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@blp.route("/receivables/<int:receivable_id>/pix-charge", methods=["GET"])
@blp.response(200, PixChargeOutput)
@requires("receivables", READ)
def get_pix_charge(receivable_id):
    """The receivable's PIX charge at its account's PSP (its latest)."""
    charge = pix_charges.charge_of(receivable_id)
    if charge is None:
        raise NotFound(f"Receivable {receivable_id} has no PIX charge.")
    return charge
