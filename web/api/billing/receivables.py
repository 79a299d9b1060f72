"""Receivables (contas a receber): list, read, settle by hand, cancel, and manual ones."""

from flask import url_for

from models.billing import receivables
from models.customers.customers import get_customer
from schemas.billing.receivables import (
    CustomerReceivableQuery,
    ManualReceivableInput,
    ReceivableCancelInput,
    ReceivableOutput,
    ReceivablePage,
    ReceivablePaymentInput,
    ReceivableQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("receivables", __name__, description="Receivables (contas a receber)")


def _page(filters: dict) -> dict:
    page, per_page = filters.pop("page"), filters.pop("per_page")
    found, total = receivables.list_receivables(filters, page, per_page)
    return {"items": found, "total": total, "page": page, "per_page": per_page}


@blp.route("/receivables", methods=["GET"])
@blp.arguments(ReceivableQuery, location="query")
@blp.response(200, ReceivablePage)
@blp.alt_response(422, description="`due_from` after `due_to`")
@requires("receivables", READ)
def list_receivables(args):
    """Receivables by due date, newest first; filter by customer, status and due-date range."""
    return _page(args)


@blp.route("/customers/<int:code>/receivables", methods=["GET"])
@blp.arguments(CustomerReceivableQuery, location="query")
@blp.response(200, ReceivablePage)
@blp.alt_response(422, description="`due_from` after `due_to`")
@requires("receivables", READ)
def customer_receivables(args, code):
    """The customer's receivables by due date, newest first."""
    get_customer(code)
    return _page({**args, "customer_code": code})


@blp.route("/customers/<int:code>/receivables", methods=["POST"])
@blp.arguments(ManualReceivableInput)
@blp.created(ReceivableOutput, "receivable")
@requires("receivables", WRITE)
def create_manual(data, code):
    """A receivable typed in by hand (no subscription); its amount is the sum of its lines."""
    receivable = receivables.create_manual(code, data)
    location = url_for(".get_receivable", receivable_id=receivable.id)
    return receivable, 201, {"Location": location}


@blp.route("/receivables/<int:receivable_id>", methods=["GET"])
@blp.response(200, ReceivableOutput)
@requires("receivables", READ)
def get_receivable(receivable_id):
    """One receivable with its lines."""
    return receivables.get_receivable(receivable_id)


@blp.route("/receivables/<int:receivable_id>/payments", methods=["POST"])
@blp.arguments(ReceivablePaymentInput)
@blp.response(200, ReceivableOutput)
@blp.alt_response(409, description="The receivable is not open or partially paid")
@blp.alt_response(422, description="An amount of zero or less, a date in the future")
@requires("receivables", WRITE)
def settle(data, receivable_id):
    """Record a payment received by hand: payments add up; `paid` when they reach the amount,
    `partially_paid` (with its `balance`) before, any excess recorded as `overpaid`."""
    receivable = receivables.settle(receivable_id, data["paid_on"], data["amount"])
    return receivable


@blp.route("/receivables/<int:receivable_id>/cancel", methods=["POST"])
@blp.arguments(ReceivableCancelInput)
@blp.response(200, ReceivableOutput)
@blp.alt_response(409, description="The receivable is not open")
@requires("receivables", WRITE)
def cancel(data, receivable_id):
    """Cancel an open receivable, with a reason; its installments go to the next billing."""
    receivable = receivables.cancel(receivable_id, data["reason"])
    return receivable
