"""Extra fields [5.2]: admins define them; staff set a customer's values."""

from flask import url_for

from models.customers import extra_field_values, extra_fields
from models.customers.customers import get_customer
from schemas.customers.extra_fields import (
    ExtraFieldInput,
    ExtraFieldList,
    ExtraFieldOutput,
    ExtraFieldPatch,
    ExtraFieldQuery,
    ExtraFieldsOutput,
    FieldValueOutput,
    ValueInput,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("extra_fields", __name__, description="Extra fields and their values")


@blp.route("/extra-fields", methods=["GET"])
@blp.arguments(ExtraFieldQuery, location="query")
@blp.response(200, ExtraFieldList)
@requires("extra_field_definitions", READ)
def list_fields(args):
    """The extra fields defined; ?applies_to= and ?active= narrow."""
    return {"items": extra_fields.list_definitions(args.get("applies_to"), args.get("active"))}


@blp.route("/extra-fields", methods=["POST"])
@blp.arguments(ExtraFieldInput)
@blp.created(ExtraFieldOutput, "extra field")
@blp.alt_response(409, description="A field of this applies_to has the name")
@requires("extra_field_definitions", WRITE)
def create_field(data):
    """Define an extra field for every customer or every contact."""
    field = extra_fields.create_definition(data)
    return field, 201, {"Location": url_for(".get_field", field_id=field.id)}


@blp.route("/extra-fields/<int:field_id>", methods=["GET"])
@blp.response(200, ExtraFieldOutput)
@requires("extra_field_definitions", READ)
def get_field(field_id):
    """One extra field's definition."""
    return extra_fields.get_definition(field_id)


@blp.route("/extra-fields/<int:field_id>", methods=["PATCH"])
@blp.arguments(ExtraFieldPatch)
@blp.response(200, ExtraFieldOutput)
@blp.alt_response(
    409,
    description="Name taken; type or applies_to changed while values are stored; an option "
    "that stored values use removed; options that do not fit the stored type",
)
@requires("extra_field_definitions", WRITE)
def update_field(changes, field_id):
    """Rename, retype, make required, withdraw ({"active": false}); values must still fit."""
    field = extra_fields.update_definition(field_id, changes)
    return field


@blp.route("/customers/<int:code>/extra-fields", methods=["GET"])
@blp.response(200, ExtraFieldsOutput)
@requires("customers", READ)
def customer_fields(code):
    """The customer's active extra fields with their values; `missing`: required, unset."""
    get_customer(code)
    return extra_field_values.customer_fields(code)


@blp.route("/customers/<int:code>/extra-fields/<int:field_id>", methods=["PUT"])
@blp.arguments(ValueInput)
@blp.response(200, FieldValueOutput)
@blp.alt_response(409, description="Set by someone else at the same moment")
@requires("customers", WRITE)
def set_customer_field(data, code, field_id):
    """Set one field's value, checked against its type; {"value": null} clears it."""
    get_customer(code, for_update=True)
    result = extra_field_values.set_value(code, None, field_id, data["value"])
    return result
