"""A customer's exception options [5.1] and the fiscal activity codes the admins keep [5.1.4]."""

from flask import url_for

from models.customers import customer_options, fiscal_activity_codes
from schemas.customers.customer_options import (
    CustomerOptionsInput,
    CustomerOptionsOutput,
    FiscalActivityCodeInput,
    FiscalActivityCodeList,
    FiscalActivityCodeOutput,
    FiscalActivityCodePatch,
    FiscalActivityCodeQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint(
    "customer_options", __name__, description="Customer options and fiscal activity codes"
)


@blp.route("/customers/<int:code>/options", methods=["GET"])
@blp.response(200, CustomerOptionsOutput)
@requires("customer_options", READ)
def get_options(code):
    """The customer's exception options ("Outras Opções")."""
    return customer_options.get_options(code)


@blp.route("/customers/<int:code>/options", methods=["PUT"])
@blp.arguments(CustomerOptionsInput)
@blp.response(200, CustomerOptionsOutput)
@blp.alt_response(422, description="fiscal_activity_code is not an active listed code")
@requires("customer_options", WRITE)
def replace_options(data, code):
    """Replace every option at once; the change is in the customer's history."""
    options = customer_options.replace_options(code, data)
    return options


@blp.route("/fiscal-activity-codes", methods=["GET"])
@blp.arguments(FiscalActivityCodeQuery, location="query")
@blp.response(200, FiscalActivityCodeList)
@requires("fiscal_activity_codes", READ)
def list_codes(args):
    """The fiscal activity codes; ?active=true for the ones that may be chosen."""
    return {"items": fiscal_activity_codes.list_codes(args.get("active"))}


@blp.route("/fiscal-activity-codes", methods=["POST"])
@blp.arguments(FiscalActivityCodeInput)
@blp.created(FiscalActivityCodeOutput, "fiscal activity code")
@blp.alt_response(409, description="Already listed")
@requires("fiscal_activity_codes", WRITE)
def create_code(data):
    """Add a CNAE subclass (6110-8/01) or a service-list item (1.07)."""
    row = fiscal_activity_codes.create_code(data)
    return row, 201, {"Location": url_for(".get_code", code_id=row.id)}


@blp.route("/fiscal-activity-codes/<int:code_id>", methods=["GET"])
@blp.response(200, FiscalActivityCodeOutput)
@requires("fiscal_activity_codes", READ)
def get_code(code_id):
    """One fiscal activity code."""
    return fiscal_activity_codes.get_code(code_id)


@blp.route("/fiscal-activity-codes/<int:code_id>", methods=["PATCH"])
@blp.arguments(FiscalActivityCodePatch)
@blp.response(200, FiscalActivityCodeOutput)
@requires("fiscal_activity_codes", WRITE)
def update_code(changes, code_id):
    """Change the description, or withdraw the code ({"active": false}); holders keep it."""
    row = fiscal_activity_codes.update_code(code_id, changes)
    return row
