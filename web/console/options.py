"""Opções [5.1]: the customer's exception options ("Outras Opções") and fiscal activity code.

The same operations and schema as PUT /api/v1/customers/{code}/options: every option at once.
"""

from flask import request

from models.customers import customer_options, fiscal_activity_codes
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from schemas.customers.customer_options import CustomerOptionsInput
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

TEMPLATE = "console/record/options.html"
FISCAL_CODE = "fiscal_activity_code"
# The manual's options [5.1.1-5.1.8], in its order (the fiscal code is its fourth).
FLAG_LABELS = {
    "auto_suspend": "Suspender automaticamente se não houver pagamento",
    "charge_boleto_fee": "Cobrar taxa de boleto",
    "itemized_invoice": "Imprimir N.F. discriminada",
    "charge_extra_email": "Cobrar adicional de E-mail/AntiSpam se exceder a quantidade",
    "allow_promotional_discounts": "Permitir descontos promocionais",
    "send_boleto_email": "Enviar e-mail com o boleto bancário antes do vencimento",
    "send_overdue_notice": "Enviar e-mail com aviso de inadimplência",
}
assert set(FLAG_LABELS) == set(customer_options.FLAGS)

add_messages(
    (r"Not an active code of .*", "Escolha um código ativo da lista."),
    (
        r"A CNAE subclass such as .*",
        "Um código CNAE como 6110-8/01 ou um item de serviço como 1.07.",
    ),
    (r"Send every option\.", "Envie todas as opções."),
    (r"All flags and fiscal_activity_code\.", "Envie todas as opções."),
)


def _codes(current: str | None) -> list:
    """The codes that may be chosen (the API's ?active=true), and the customer's own even if
    withdrawn since (it stays until changed)."""
    codes = fiscal_activity_codes.list_codes(True)
    if current and all(row.code != current for row in codes):
        codes += [row for row in fiscal_activity_codes.list_codes(False) if row.code == current]
    return codes


def _page(code: int, values: dict, errors: dict, saved: bool = False, status: int = 200):
    customer = get_customer(code)
    page = render_tab(
        "opcoes",
        TEMPLATE,
        customer,
        values=values,
        errors=errors,
        saved=saved,
        flag_labels=FLAG_LABELS,
        codes=_codes(values.get(FISCAL_CODE)),
    )
    return page, status


def _values(options) -> dict:
    return {name: getattr(options, name) for name in (*customer_options.FLAGS, FISCAL_CODE)}


@bp.route("/clientes/<int:code>/opcoes", methods=["GET"])
@requires("customer_options", READ)
def options(code: int):
    return _page(code, _values(customer_options.get_options(code)), {})


@bp.route("/clientes/<int:code>/opcoes", methods=["POST"])
@requires("customer_options", WRITE)
def save_options(code: int):
    """Replace every option at once, as the API's PUT does."""
    body = body_from(
        request.form,
        (*customer_options.FLAGS, FISCAL_CODE),
        checkboxes=customer_options.FLAGS,
        blank_as_none=True,
    )
    body.setdefault(FISCAL_CODE, None)
    data, errors = load(CustomerOptionsInput(), body)
    if errors:
        return _page(code, body, errors, status=422)
    try:
        saved = customer_options.replace_options(code, data)
    except DomainError as error:
        db.session.rollback()
        return _page(code, body, domain_errors(error), status=error.status)
    return _page(code, _values(saved), {}, saved=True)
