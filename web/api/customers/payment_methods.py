"""Payment data, "Dados Débito" [5.6]: a customer's payment methods and debit authorizations.

An attendant reads account numbers masked; a card number is masked for everyone; a security
code is write-only and goes no further than the gateway seam (models/customers/payment_gateway.py).
"""

from flask import url_for

from models.customers import payment_methods as payments
from schemas.common import PageQuery
from schemas.customers.payment_methods import (
    PaymentMethodInput,
    PaymentMethodOutput,
    PaymentMethodPage,
    PaymentMethodPatch,
)
from web.downloads import debit_authorization_pdf
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import may, requires

URL_PREFIX = "/customers"
blp = Blueprint("payment_methods", __name__, description="Payment data (Dados Débito)")


def _shown(method: payments.PaymentMethod) -> payments.PaymentMethod:
    """The method as this caller may see it: account numbers whole only with payment access."""
    method.show_unmasked = may("payment_data_unmasked", READ)
    return method


@blp.route("/<int:code>/payment-methods", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, PaymentMethodPage)
@requires("payment_data", READ)
def list_methods(paging, code):
    """The customer's payment methods, oldest first."""
    found, total = payments.list_payment_methods(code, paging["page"], paging["per_page"])
    return {"items": [_shown(method) for method in found], "total": total, **paging}


@blp.route("/<int:code>/payment-methods", methods=["POST"])
@blp.arguments(PaymentMethodInput)
@blp.created(PaymentMethodOutput, "payment_method")
@blp.alt_response(409, description="Another method became the default at the same time")
@requires("payment_data", WRITE)
def create_method(data, code):
    """Add a payment method; the first one (or one sent with is_default) is the default."""
    method = payments.create_payment_method(code, data)
    location = url_for(".read_method", code=code, method_id=method.id)
    return _shown(method), 201, {"Location": location}


@blp.route("/<int:code>/payment-methods/<int:method_id>", methods=["GET"])
@blp.response(200, PaymentMethodOutput)
@requires("payment_data", READ)
def read_method(code, method_id):
    """One payment method."""
    return _shown(payments.get_payment_method(code, method_id))


@blp.route("/<int:code>/payment-methods/<int:method_id>", methods=["PATCH"])
@blp.arguments(PaymentMethodPatch)
@blp.response(200, PaymentMethodOutput)
@blp.alt_response(
    409,
    description="A field of another method, unsetting the default instead of making another "
    "one the default, or a default switch at the same time",
)
@requires("payment_data", WRITE)
def update_method(changes, code, method_id):
    """Change some fields; a card number only by sending the new full number."""
    method = payments.update_payment_method(code, method_id, changes)
    return _shown(method)


@blp.route("/<int:code>/payment-methods/<int:method_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="A default switch at the same time")
@requires("payment_data", WRITE)
def delete_method(code, method_id):
    """Remove a payment method; if it was the default, the oldest remaining one becomes it."""
    payments.delete_payment_method(code, method_id)


@blp.route("/<int:code>/payment-methods/<int:method_id>/authorization.pdf", methods=["GET"])
@blp.response(200, description="The debit authorization (PDF, A4), as an attachment")
@requires("payment_data", READ)
def authorization(code, method_id):
    """The debit authorization [5.6.1.4]: the account whole for finance and admins, else masked."""
    return debit_authorization_pdf(code, method_id)
