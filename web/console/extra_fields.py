"""Campos extras [5.2]: the extra fields admins defined, with this customer's values.

Staff change only a value ("Valor do Campo Extra" [5.2.1]), through the same schema and
operation as PUT /api/v1/customers/{code}/extra-fields/{field_id}; the definitions are the
admins' screens.
"""

import re
from datetime import date

from flask import abort, request

from models.customers import extra_field_values
from models.customers.customers import get_customer
from models.customers.extra_fields import CHOICE, DATE, NUMBER, TEXT
from models.db import db
from models.errors import Conflict, Invalid
from schemas.customers.extra_fields import ValueInput
from web.console.blueprint import bp
from web.console.formats import api_date, on_screen_date
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

TEMPLATE = "console/record/extra_fields.html"
TYPE_LABELS = {TEXT: "Texto", NUMBER: "Número", DATE: "Data", CHOICE: "Lista de opções"}
_BR_NUMBER = re.compile(r"\s*-?[0-9.]*,[0-9]*\s*")

add_messages(
    (r"A number with up to .*", "Um número com até 20 dígitos antes da vírgula e 10 depois."),
    (r"A number, or a string holding one.*", "Digite um número, como 12,5."),
    (r"A date as YYYY-MM-DD\.", "Digite uma data como 31/12/2026."),
    (r"Not one of the options: .*", "Escolha uma das opções."),
    (r"A (text|date|choice) field takes a string\.", "Valor inválido para este campo."),
    (r"A string, a number or null\.", "Valor inválido para este campo."),
    (
        r"The value was set at the same time; try again\.",
        "Outra pessoa gravou este campo ao mesmo tempo. Confira e tente de novo.",
    ),
)


def api_number(typed: str) -> str:
    """1.234,5 or 12,5 as 1234.5 / 12.5 (the API's); anything else unchanged for the model."""
    if _BR_NUMBER.fullmatch(typed or ""):
        return typed.strip().replace(".", "").replace(",", ".")
    return typed


def on_screen_value(field, value: str | None) -> str:
    """A stored value as people read and type it: dates dd/mm/aaaa, numbers with a comma."""
    if value is None:
        return ""
    if field.type == DATE:
        try:
            return on_screen_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field.type == NUMBER:
        return value.replace(".", ",")
    return value


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
        shown=on_screen_value,
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
    return _page(code, editing=item, typed=on_screen_value(item.definition, item.value))


@bp.route("/clientes/<int:code>/campos-extras/<int:field_id>", methods=["POST"])
@requires("customers", WRITE)
def save_extra_field(code: int, field_id: int):
    """Set the value (blank clears it), checked against the field's type."""
    get_customer(code)
    item = _field_of(code, field_id)
    typed = request.form.get("value", "")
    body = body_from(request.form, ("value",), blank_as_none=True)
    body.setdefault("value", None)
    if item.definition.type == DATE and body["value"] is not None:
        body["value"] = api_date(body["value"])
    elif item.definition.type == NUMBER and body["value"] is not None:
        body["value"] = api_number(body["value"])
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
