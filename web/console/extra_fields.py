"""Campos extras [5.2]: the extra fields admins defined, with this customer's values.

Staff change only a value ("Valor do Campo Extra" [5.2.1]), through the same schema and
operation as PUT /api/v1/customers/{code}/extra-fields/{field_id}; the definitions are the
admins' screens.
"""

from flask import abort, request

from models.customers import extra_field_values
from models.customers.customers import get_customer
from models.customers.extra_fields import CHOICE, DATE, NUMBER, TEXT
from models.db import db
from models.errors import Conflict, Invalid
from schemas.customers.extra_fields import ValueInput
from web.console.blueprint import bp
from web.console.formats import api_extra, on_screen_extra
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

TEMPLATE = "console/record/extra_fields.html"
TYPE_LABELS = {TEXT: "Texto", NUMBER: "Número", DATE: "Data", CHOICE: "Lista de opções"}

add_messages(
    (r"A number, or a string holding one.*", "Digite um número, como 12,5."),
    (r"A (text|date|choice) field takes a string\.", "Valor inválido para este campo."),
    (r"A string, a number or null\.", "Valor inválido para este campo."),
)


def _field_of(code: int, field_id: int):
    for item in extra_field_values.customer_fields(code).items:
        if item.definition.id == field_id:
            return item
    abort(404)


def _page(code: int, editing=None, typed: str | None = None, errors=None, saved=None, status=200):
    customer = get_customer(code)
    fields = extra_field_values.customer_fields(code)
    page = render_tab(
        "campos-extras",
        TEMPLATE,
        customer,
        fields=fields,
        editing=editing,
        typed=typed,
        errors=errors or {},
        saved=saved,
        type_labels=TYPE_LABELS,
        shown=on_screen_extra,
    )
    return page, status


@bp.route("/clientes/<int:code>/campos-extras", methods=["GET"])
@requires("customers", READ)
def extra_fields(code: int):
    """The customer's active extra fields with their values; required ones unset are marked."""
    return _page(code)


@bp.route("/clientes/<int:code>/campos-extras/<int:field_id>", methods=["GET"])
@requires("customers", WRITE)
def edit_extra_field(code: int, field_id: int):
    """ "Valor do Campo Extra" [5.2.1]: the value of one field, to change."""
    get_customer(code)
    item = _field_of(code, field_id)
    return _page(code, editing=item, typed=on_screen_extra(item.definition, item.value))


@bp.route("/clientes/<int:code>/campos-extras/<int:field_id>", methods=["POST"])
@requires("customers", WRITE)
def save_extra_field(code: int, field_id: int):
    """Set the value (blank clears it), checked against the field's type."""
    get_customer(code)
    item = _field_of(code, field_id)
    typed = request.form.get("value", "")
    body = body_from(request.form, ("value",), blank_as_none=True)
    body.setdefault("value", None)
    if body["value"] is not None:
        body["value"] = api_extra(item.definition, body["value"])
    data, errors = load(ValueInput(), body)
    if errors:
        return _page(code, editing=item, typed=typed, errors=errors, status=422)
    try:
        get_customer(code, for_update=True)
        result = extra_field_values.set_value(code, None, field_id, data["value"])
    except (Invalid, Conflict) as error:
        db.session.rollback()
        errors = domain_errors(error)
        return _page(code, editing=item, typed=typed, errors=errors, status=error.status)
    return _page(code, saved=result.definition.name)
