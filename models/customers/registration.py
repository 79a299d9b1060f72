"""A customer's registration and changes: the record, its default options, its service.

Its own module so dependencies run one way: customer_options and the service domain build on
customers.py, and this builds on them (customers.py imports neither). A billing account the
customer names is checked here (models/billing/billing_accounts.py imports no customer module).
"""

from models.billing.billing_accounts import usable_account
from models.customers.customer_options import add_default_options
from models.customers.customers import Customer, apply_changes, get_customer, insert_customer
from models.db import db
from models.errors import Conflict
from models.service.subscriptions import CANCELLED, Subscription


def create_customer(data: dict) -> Customer:
    """Register a customer from validated input (see schemas.customers.customers.CustomerInput)."""
    usable_account(data.get("billing_account_id"))
    customer = insert_customer(data)
    add_default_options(customer.code)  # same transaction: no customer is ever without them
    return customer


def update_customer(code: int, data: dict) -> Customer:
    """Apply a partial update; the whole record must still follow the rules afterwards.

    The row is locked first, so a parallel change cannot slip between our rule checks and
    our write.
    """
    customer = get_customer(code, for_update=True)
    if "billing_account_id" in data:
        usable_account(data["billing_account_id"])
    if data.get("active") is False and customer.active:
        _check_nothing_serves(customer)
    return apply_changes(customer, data)


def _check_nothing_serves(customer: Customer) -> None:
    """Deactivating is refused (409) while a subscription is not cancelled: staff cancel each
    through its cancel operation, with a reason, so nothing is left serving or billing an
    inactive customer. Receivables still owed stay owed."""
    query = db.select(Subscription.id).where(
        Subscription.customer_code == customer.code, Subscription.status != CANCELLED
    )
    ids = list(db.session.scalars(query.order_by(Subscription.id)))
    if ids:
        listed = ", ".join(str(i) for i in ids)
        raise Conflict(
            f"Customer {customer.code} has subscriptions not cancelled ({listed}); "
            "cancel them first (POST /subscriptions/{id}/cancel).",
            {"active": [f"Subscriptions not cancelled: {listed}."]},
        )
