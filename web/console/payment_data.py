"""Dados de pagamento ("Dados Débito") [5.6]: the customer's payment methods, one the default.

As the API shows them (web/api/customers/payment_methods.py): an account number whole only for
the roles that read payment data unmasked (finance, admins), masked (*****123-4) for an
attendant; a card number masked for everyone (411111******1111). A card's security code is
typed, passed to the operation (which hands it to the gateway and drops it) and never shown back,
stored or logged: a form re-rendered after an error comes back without it, and without the card
number.
"""

from flask import request

from models.customers import payment_methods as payments
from models.customers.customers import get_customer
from models.errors import DomainError
from schemas.customers.payment_methods import (
    METHOD_INPUT,
    PaymentMethodInput,
    PaymentMethodPatch,
)
from web import downloads
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import changed, render_tab
from web.permissions import READ, WRITE
from web.security import may, requires

SLUG = "pagamento"
TEMPLATE = "console/record/pagamento.html"
LIST_LIMIT = 100  # a customer has a handful of methods; the API pages, the tab shows them all
METHOD_LABELS = {
    payments.BOLETO: "Boleto",
    payments.BANK_DEBIT: "Débito em conta",
    payments.CARD: "Cartão",
    payments.PHONE_BILL_DEBIT: "Débito em conta telefônica",
}
STATUS_LABELS = {
    "pending": "Pendente",
    "active": "Ativo",
    "suspended": "Suspenso",
    "cancelled": "Cancelado",
}
ACCOUNT_TYPE_LABELS = {"checking": "Conta corrente", "savings": "Conta poupança"}
# Typed, never shown back (not even after an error): the operation passes them on and drops them.
# A method's stored fields its form shows again for a change.
EDITED_AS_STORED = (
    "debit_status",
    "bank_code",
    "agency",
    "account_type",
    "identifier_code",
    "ddd",
    "phone",
    "contract_number",
)
NEVER_ECHOED = frozenset({"card_number", "security_code"})
assert set(METHOD_LABELS) == set(payments.METHODS) == set(METHOD_INPUT)
assert set(STATUS_LABELS) == set(payments.DEBIT_STATUSES)
assert set(ACCOUNT_TYPE_LABELS) == set(payments.ACCOUNT_TYPES)

add_messages(
    (r"Required for this method\.", "Obrigatório para esta forma de cobrança."),
    (r"Not used by a \w+ payment method\.", "Não se aplica a esta forma de cobrança."),
    (r"A \w+ payment method has no .*", "Campo que não se aplica a esta forma de cobrança."),
    (r"One of: .*", "Escolha uma das opções."),
    (r"3 or 4 digits\.", "3 ou 4 dígitos."),
    (r'Month and year as "MM/YYYY"\.', "Mês e ano como MM/AAAA, por exemplo 12/2030."),
    (r"The card has expired\.", "O cartão está vencido."),
    (r"The bank's 3-digit code\.", "O código do banco tem 3 dígitos."),
    (r"1-5 digits, -check digit\.", "De 1 a 5 dígitos e, se houver, -dígito: 1234-5."),
    (r"1-13 digits, then -check digit\.", "De 1 a 13 dígitos e, se houver, -dígito: 98765-4."),
    (r"1-25 letters or digits\.", "De 1 a 25 letras ou dígitos."),
    (r"A Brazilian area code\.", "DDD inválido."),
    (r"8 or 9 digits, without the area code.*", "8 ou 9 dígitos, sem o DDD: 3333-4444."),
    (r"1-30 letters, digits, \. / -\.", "De 1 a 30 letras, dígitos, ponto, barra ou hífen."),
    (
        r"13 to 19 digits, bare or grouped by spaces or dashes\.",
        "De 13 a 19 dígitos, juntos ou em grupos separados por espaço ou hífen.",
    ),
    (r"Not a valid card number \(its check digit is wrong\)\.", "Número de cartão inválido."),
    (r"Declined by the gateway\.", "Cartão recusado pela operadora."),
    (r"The card was declined\.", "Cartão recusado pela operadora."),
    (
        r"Send it with the new card_number or expiry it verifies\.",
        "Informe o código de segurança junto com o novo número ou a nova validade.",
    ),
    (
        r"Make another payment method the default instead\.",
        "Para mudar a forma padrão, marque outra como padrão.",
    ),
    (
        r"Another payment method became the default at the same time\.",
        "Outra forma de pagamento virou a padrão ao mesmo tempo. Confira e tente de novo.",
    ),
)


def _shown(method: payments.PaymentMethod) -> payments.PaymentMethod:
    """The method as this user may see it, as the API decides: account whole or masked."""
    method.show_unmasked = may("payment_data_unmasked", READ)
    return method


def _tab(code: int, status: int = 200, **context):
    """The tab: the customer's methods and, for those who may change them, the forms."""
    customer = get_customer(code)
    found, _total = payments.list_payment_methods(code, 1, LIST_LIMIT)
    context.setdefault("typed", {})
    context.setdefault("errors", {})
    context.setdefault("editing", None)
    response = render_tab(
        SLUG,
        TEMPLATE,
        customer,
        methods=[_shown(method) for method in found],
        method_labels=METHOD_LABELS,
        status_labels=STATUS_LABELS,
        account_type_labels=ACCOUNT_TYPE_LABELS,
        **context,
    )
    return response, status


def _typed() -> dict:
    """What was typed, to show again after an error: never the card number or security code."""
    return {name: value for name, value in request.form.items() if name not in NEVER_ECHOED}


def _fields(method: str) -> tuple[str, ...]:
    required, optional = METHOD_INPUT.get(method, ((), ()))
    return ("debit_status", *required, *optional)


def _unchanged(method: payments.PaymentMethod, body: dict) -> list[str]:
    """The fields of `body` that are what the form showed: no change to send (an account shown
    masked, a validity typed again only to verify a new card number or security code)."""
    stored = {name: getattr(method, name) for name in EDITED_AS_STORED}
    stored["account_number"] = method.account_number_shown
    if "card_number" not in body and "security_code" not in body:
        stored["expiry"] = method.card_expiry
    return [name for name, value in body.items() if name in stored and stored[name] == value]


@bp.route("/clientes/<int:code>/pagamento", methods=["GET"])
@requires("payment_data", READ)
def payment_data(code: int):
    """The customer's payment methods, oldest first; the forms for finance and admins."""
    return _tab(code)


@bp.route("/clientes/<int:code>/pagamento", methods=["POST"])
@requires("payment_data", WRITE)
def create_payment_method(code: int):
    """Add a payment method (its security code only passes through to the gateway)."""
    method = request.form.get("method", "")
    body = body_from(request.form, ("method", *_fields(method)))
    if "is_default" in request.form:
        body["is_default"] = True
    data, errors = load(PaymentMethodInput(), body)
    del body
    if errors:
        return _tab(code, 422, typed=_typed(), errors=errors)
    try:
        payments.create_payment_method(code, data)
    except DomainError as error:
        return _tab(code, error.status, typed=_typed(), errors=domain_errors(error))
    finally:
        data = None
    return changed(code, "Dados salvos com sucesso.", _tab, "console.payment_data")


@bp.route("/clientes/<int:code>/pagamento/<int:method_id>/editar", methods=["GET"])
@requires("payment_data", WRITE)
def edit_payment_method(code: int, method_id: int):
    """The form of one method, filled with what is stored (never its card number)."""
    method = _shown(payments.get_payment_method(code, method_id))
    typed = {name: getattr(method, name) for name in EDITED_AS_STORED}
    typed["account_number"] = method.account_number_shown
    typed["expiry"] = method.card_expiry
    typed = {name: value for name, value in typed.items() if value is not None}
    return _tab(code, editing=method, typed=typed)


@bp.route("/clientes/<int:code>/pagamento/<int:method_id>", methods=["POST"])
@requires("payment_data", WRITE)
def update_payment_method(code: int, method_id: int):
    """Change a method: a card number only by typing a new one, its security code with it."""
    method = _shown(payments.get_payment_method(code, method_id))
    body = body_from(request.form, _fields(method.method))
    for name in _unchanged(method, body):
        body.pop(name)
    if "is_default" in request.form and not method.is_default:
        body["is_default"] = True
    data, errors = load(PaymentMethodPatch(), body)
    del body
    if errors:
        return _tab(code, 422, editing=method, typed=_typed(), errors=errors)
    try:
        payments.update_payment_method(code, method_id, data)
    except DomainError as error:
        return _tab(code, error.status, editing=method, typed=_typed(), errors=domain_errors(error))
    finally:
        data = None
    return changed(code, "Dados salvos com sucesso.", _tab, "console.payment_data")


@bp.route("/clientes/<int:code>/pagamento/<int:method_id>/remover", methods=["POST"])
@requires("payment_data", WRITE)
def delete_payment_method(code: int, method_id: int):
    """Remove a method; if it was the default, the oldest remaining one becomes it."""
    payments.delete_payment_method(code, method_id)
    return changed(code, "Forma de pagamento removida.", _tab, "console.payment_data")


@bp.route("/clientes/<int:code>/pagamento/<int:method_id>/autorizacao.pdf", methods=["GET"])
@requires("payment_data", READ)
def debit_authorization_pdf(code: int, method_id: int):
    """Autorização de Débito [5.6.1.4], as the API's route makes it: the account whole for
    finance and admins (the copy to sign), masked for anyone else (a copy for reference)."""
    return downloads.debit_authorization_pdf(code, method_id)
