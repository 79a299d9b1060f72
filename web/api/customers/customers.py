"""Customers: register, find, read, change ("Cadastro do Cliente"), and their history."""

from flask import g, url_for

from models.audit import history_for_customer
from models.customers.customer_search import search_customers
from models.customers.customers import get_customer
from models.customers.observations import unread_mandatory
from models.customers.registration import create_customer, update_customer
from schemas.common import PageQuery
from schemas.customers.customer_search import CustomerPage, CustomerSearchQuery
from schemas.customers.customers import CustomerInput, CustomerPatch, CustomerRecord
from schemas.history import HistoryPage
from web.extensions import Blueprint
from web.permissions import READ, WRITE, history_entities
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint("customers", __name__, description="The customer record and its search")


def _opened(customer, new: bool = False):
    """The customer with what the current user must read first: one query, whatever it holds."""
    unread = [] if new else unread_mandatory(customer.code, g.user.id)
    customer.unread_mandatory_observations = unread  # read by CustomerRecord, not stored
    return customer


@blp.route("", methods=["GET"])
@blp.arguments(CustomerSearchQuery, location="query")
@blp.response(200, CustomerPage)
@requires("customers", READ)
def search(args):
    """Search customers by name, code, CPF/CNPJ, e-mail, phone, city or address."""
    items, total, exact = search_customers(
        args.get("q"),
        args["field"],
        args.get("active"),
        args["page"],
        args["per_page"],
        sort=args["sort"],
    )
    return {
        "items": items,
        "total": total,
        "total_exact": exact,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.route("", methods=["POST"])
@blp.arguments(CustomerInput)
@blp.created(CustomerRecord, "customer")
@blp.alt_response(409, description="Another customer has this CPF/CNPJ")
@requires("customers", WRITE)
def create(data):
    """Register a customer; the system assigns its code."""
    customer = create_customer(data)
    return _opened(customer, new=True), 201, {"Location": url_for(".read", code=customer.code)}


@blp.route("/<int:code>", methods=["GET"])
@blp.response(200, CustomerRecord)
@requires("customers", READ)
def read(code):
    """One customer's record, with the mandatory observations you have not yet read."""
    return _opened(get_customer(code))


@blp.route("/<int:code>", methods=["PATCH"])
@blp.arguments(CustomerPatch)
@blp.response(200, CustomerRecord)
@blp.alt_response(
    409,
    description="Another customer has this CPF/CNPJ, or the change does not fit the customer "
    "as stored (a CPF or PJ-only field for a PJ/PF, half a billing address where there is none)",
)
@requires("customers", WRITE)
def update(data, code):
    """Change some fields; deactivate with {"active": false} (customers are never deleted)."""
    customer = update_customer(code, data)
    return _opened(customer)


@blp.route("/<int:code>/history", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, HistoryPage)
@requires("customers", READ)
def history(paging, code):
    """Every change to the customer's record, newest first: who, from which IP, what. Only the
    changes to what your role may read (a technician sees no payment data, bills or e-mails)."""
    get_customer(code)
    entities = history_entities(g.user.role)
    items, total = history_for_customer(code, entities, paging["page"], paging["per_page"])
    return {"items": items, "total": total, **paging}
