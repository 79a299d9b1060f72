"""PIX through the PSPs: a billing account's PSP connection (admins), the webhook the PSP posts
to, the PIX received (finance) and a receivable's charge."""

import hashlib
import hmac
import time

from flask import current_app, request

from models.billing import (
    pix_automatic,
    pix_charges,
    pix_inbox,
    pix_payments,
    pix_recurring_charges,
    psp_connections,
)
from models.errors import AuthenticationFailed, NotFound
from schemas.billing.pix import (
    PixChargeOutput,
    PixRefundOutput,
    PspConnectionInput,
    PspConnectionOutput,
    ReceivedPixPage,
    ReceivedPixQuery,
    RefundRequest,
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
# How long a process trusts the connection it last read for an account's webhook: a burst of
# webhooks reads it once instead of once per post. A secret replaced by a new registration,
# or a connection deactivated, still lets the old secret in for at most this long in each
# process; a secret that does not match what is kept is always checked against the database.
SECRET_CACHE_SECONDS = 10.0
SECRETS_KEPT = "pix_webhook_secrets"  # app.extensions: account -> (expires, digest, known)


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
    known = _webhook_account(account_id, _webhook_secret())
    if known is None:
        raise AuthenticationFailed("Not a webhook of this service.")
    billing_account_id, bare_array = known
    body = JsonBodyParser().load_json(request, None)
    if is_automatic(body):
        connection = psp_connections.connection_for_webhook(account_id, _webhook_secret())
        return {"received": _automatic(connection, body)}
    parsed = pix_payments.parse_pix(pix_items(body, bare_array))
    if not pix_inbox.deliver(billing_account_id, parsed):  # no Redis: stored here
        ids = pix_payments.record_received(billing_account_id, parsed, pix_payments.WEBHOOK)
        pix_payments.queue_apply(ids)
    return {"received": len(parsed)}


def is_automatic(body) -> bool:
    """Whether a webhook body is Pix Automático's (recurrences or recurring charges)."""
    return isinstance(body, dict) and ("recs" in body or "cobsr" in body)


def pix_items(body, bare_array: bool):
    """The PIX of a webhook body: `{"pix": [...]}`, or a bare array from a PSP known to post
    them (Inter's deviation); None for any other body (parse_pix refuses it)."""
    if isinstance(body, list) and bare_array:
        return body
    if isinstance(body, dict):
        return body.get("pix", [])  # none: a PSP's test post on registration (Efí's)
    return None


def _webhook_account(account_id: int, secret: str | None) -> tuple[int, bool] | None:
    """(the billing account, whether its PSP posts bare arrays) when its connection has
    `secret` as its webhook secret (None otherwise), from this process's copy of the secret's
    digest while it is fresh: checking it costs a hash instead of a query."""
    known = fresh_webhook_account(current_app, account_id, secret)
    if known is not None or not secret:
        return known
    cache = current_app.extensions.setdefault(SECRETS_KEPT, {})
    connection = psp_connections.connection_for_webhook(account_id, secret)
    if connection is None:  # what is kept stays: a wrong post must not slow the right ones
        return None
    expires = time.monotonic() + SECRET_CACHE_SECONDS
    known = (connection.billing_account_id, connection.webhook_bare_array)
    cache[account_id] = (expires, connection.webhook_secret_hash, known)
    return known


def fresh_webhook_account(app, account_id: int, secret: str | None) -> tuple[int, bool] | None:
    """What `_webhook_account` answers, from `app`'s copy of the secret's digest alone (None
    when there is no fresh copy, or `secret` does not match it): no database."""
    kept = app.extensions.get(SECRETS_KEPT, {}).get(account_id)
    if not secret or kept is None or kept[0] <= time.monotonic():
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()  # as psp_connections keeps it
    return kept[2] if hmac.compare_digest(digest, kept[1]) else None


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


@blp.route("/pix/received/<int:received_id>/refunds", methods=["POST"])
@blp.arguments(RefundRequest)
@blp.response(202, PixRefundOutput)
@blp.alt_response(409, description="The account's PSP connection is inactive")
@requires("pix", WRITE)
def request_refund(data, received_id):
    """Give back (part of) a PIX received, e.g. one for a receivable already paid: a worker asks
    the PSP; the refund's status follows (DEVOLVIDO: what it paid is owed again)."""
    return pix_payments.request_refund(received_id, data["amount"])


@blp.route("/receivables/<int:receivable_id>/pix-charge", methods=["GET"])
@blp.response(200, PixChargeOutput)
@requires("receivables", READ)
def get_pix_charge(receivable_id):
    """The receivable's PIX charge at its account's PSP (its latest)."""
    charge = pix_charges.charge_of(receivable_id)
    if charge is None:
        raise NotFound(f"Receivable {receivable_id} has no PIX charge.")
    return charge
