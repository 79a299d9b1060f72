"""Equipment lent to a customer's subscriptions [6.5.1-6.5.3] and "Retirar Item"."""

from flask import url_for

from models.service import equipment_lending
from schemas.billing.equipment_sales import LendingResult, LendingWithSaleInput
from schemas.service.equipment import AssignmentOutput, AssignmentPage, HoldingsQuery
from web.api.billing.equipment_sales import sell
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint(
    "equipment_lending", __name__, description="Equipment lent to customers, and its return"
)


@blp.route("/<int:code>/equipment", methods=["GET"])
@blp.arguments(HoldingsQuery, location="query")
@blp.response(200, AssignmentPage)
@requires("equipment", READ)
def holdings(args, code):
    """What the customer holds (?state=returned or all for the past), newest first;
    ?subscription_id= narrows to one subscription."""
    found, total = equipment_lending.customer_equipment(
        code, args.get("subscription_id"), args["state"], args["page"], args["per_page"]
    )
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:code>/equipment", methods=["POST"])
@blp.arguments(LendingWithSaleInput)
@blp.created(LendingResult, "lending (the subscription's equipment)")
@blp.alt_response(409, description="A cancelled subscription, or items not in stock (named)")
@requires("equipment", WRITE)
def lend(data, code):
    """Lend in-stock items to one of the customer's subscriptions, all or none. The
    subscription must be this customer's and the two users active and different: otherwise a
    422 naming the field; an unknown item id is a 422 naming `items`. With `sale` the items are
    sold (see POST /customers/{code}/equipment-sales; 403 without the equipment_sale right)."""
    location = url_for(".holdings", code=code, subscription_id=data["subscription_id"])
    if "sale" in data:
        assignments, sale = sell(code, data)
        return {"items": assignments, "sale": sale}, 201, {"Location": location}
    assignments = equipment_lending.lend_equipment(code, data)
    return {"items": assignments, "sale": None}, 201, {"Location": location}


@blp.route("/<int:code>/equipment/<int:assignment_id>/return", methods=["POST"])
@blp.response(200, AssignmentOutput)
@blp.alt_response(409, description="Already returned")
@requires("equipment", WRITE)
def give_back(code, assignment_id):
    """Retirar Item: the item goes back to stock, now, taken by you."""
    assignment = equipment_lending.return_equipment(code, assignment_id)
    return assignment
