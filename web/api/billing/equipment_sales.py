"""Equipment sales [6.5.4, 6.5.5]: items sold to a customer's subscription, and their billing.

Two ways in, one operation: the lending call with `sale` (technician, admin: they hand items
over), and POST /customers/{code}/equipment-sales, the same body with `sale` required, for
everyone with the equipment_sale permission; finance ("sale billing") has no equipment WRITE,
so this is its route. The billing is a task sent after the commit (tasks/billing.py).
"""

from flask import url_for

from models.billing import equipment_sales
from models.errors import Forbidden
from schemas.billing.equipment_sales import SaleInput, SaleOutput, SalePage, SaleQuery
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import may, requires

URL_PREFIX = "/customers"
blp = Blueprint("equipment_sales", __name__, description="Equipment sold to customers")


def _shown(sale):
    """Hide the billing (amounts of receivables) from roles that may not read receivables."""
    if not may("receivables", READ):
        sale.billing_events, sale.receivable = None, None
    return sale


def sell(code: int, data: dict):
    """Sell (lend as sold); the sale's billing task goes after the commit."""
    if not may("equipment_sale", WRITE):
        raise Forbidden("Your role may lend equipment but not sell it.")
    assignments, sale = equipment_sales.sell_equipment(code, data)
    sale = equipment_sales.get_sale(code, sale.id)
    return assignments, _shown(sale)


@blp.route("/<int:code>/equipment-sales", methods=["POST"])
@blp.arguments(SaleInput)
@blp.created(SaleOutput, "sale")
@blp.alt_response(409, description="A cancelled subscription, or items not in stock (named)")
@requires("equipment_sale", WRITE)
def create_sale(data, code):
    """Sell in-stock items to one of the customer's subscriptions (they end `sold`); billed by a
    task: `billing_event` makes `installments` events the next monthly billings take one a
    month, `receivable` one receivable due on `due_date`. The same rules as the lending."""
    _, sale = sell(code, data)
    location = url_for(".get_sale", code=code, sale_id=sale.id)
    return sale, 201, {"Location": location}


@blp.route("/<int:code>/equipment-sales", methods=["GET"])
@blp.arguments(SaleQuery, location="query")
@blp.response(200, SalePage)
@requires("equipment", READ)
def list_sales(args, code):
    """The customer's equipment sales, newest first, with their billing state."""
    found, total = equipment_sales.customer_sales(code, args["page"], args["per_page"])
    items = [_shown(sale) for sale in found]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:code>/equipment-sales/<int:sale_id>", methods=["GET"])
@blp.response(200, SaleOutput)
@requires("equipment", READ)
def get_sale(code, sale_id):
    """One sale with its billing state (events or receivable)."""
    return _shown(equipment_sales.get_sale(code, sale_id))
