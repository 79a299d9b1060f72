"""Endereços [5.3]: the customer's other addresses (installation, billing, delivery, ...), listed,
added, changed and deleted as web/api/customers/addresses.py does (same schemas, same operations);
the street, district, city and state come from the CEP as it is typed (static/cep.js)."""

from flask import current_app, request

from models.customers import addresses
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from schemas.customers.addresses import CustomerAddressInput, CustomerAddressPatch
from web.api.customers.ceps import provider
from web.console.blueprint import bp
from web.console.edits import changed
from web.console.formats import on_screen_cep
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import listed_again, render_tab
from web.permissions import READ, WRITE
from web.security import requires

FIELDS = (
    "type",
    "cep",
    "street",
    "number",
    "unit_kind",
    "unit",
    "complement",
    "district",
    "city",
    "state",
    "reference",
)
TYPE_LABELS = {
    "installation": "Instalação",
    "billing": "Cobrança",
    "delivery": "Entrega",
    "correspondence": "Correspondência",
    "other": "Outro",
}
UNIT_LABELS = {"sala": "Sala", "apartamento": "Apartamento"}

add_messages(
    (r"One of: .* \(setting ADDRESS_TYPES\)\.", "Escolha um dos tipos de endereço."),
    (r"Required with unit_kind \(or leave both out\)\.", "Informe o número da sala ou apto."),
    (r"Required with unit \(or leave both out\)\.", "Escolha sala ou apartamento."),
    (r"unit and unit_kind go together.*", "Sala/apartamento e o número vão juntos."),
    (r"Required: the directory has none for this CEP\.", "Preencha: o CEP não traz este dado."),
    (r"Required: the CEP is not in the directory\.", "Preencha: CEP não encontrado."),
    (r"Required: the CEP provider cannot answer.*", "Preencha: a consulta de CEP não responde."),
    (r"A customer has at most (\d+) addresses.*", "No máximo {0} endereços: exclua um antes."),
)


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["ADDRESS_TYPES"])


def _values(address) -> dict[str, str]:
    values = {name: getattr(address, name) or "" for name in FIELDS}
    values["cep"] = on_screen_cep(address.cep)
    return values


def _tab(code: int, values=None, errors=None, editing=None, status=None, http_status=200):
    customer = get_customer(code)
    page = render_tab(
        "enderecos",
        "console/record/enderecos.html",
        customer,
        addresses=addresses.list_addresses(code),
        types=[(kind, TYPE_LABELS.get(kind, kind)) for kind in _types()],
        type_labels=TYPE_LABELS,
        unit_labels=UNIT_LABELS,
        values=values or {},
        errors=errors or {},
        editing=editing,
        status=status,
    )
    return page, http_status


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.addresses")


@bp.route("/clientes/<int:code>/enderecos", methods=["GET"], endpoint="addresses")
@requires("customers", READ)
def addresses_tab(code: int):
    """The customer's addresses, and a form to add one."""
    return _tab(code)


@bp.route("/clientes/<int:code>/enderecos", methods=["POST"])
@requires("customers", WRITE)
def create_address(code: int):
    data, errors = load(CustomerAddressInput(), body_from(request.form, FIELDS))
    if errors:
        return _tab(code, request.form, errors, http_status=422)
    try:
        addresses.create_address(code, data, _types(), provider())
    except DomainError as error:
        db.session.rollback()
        return _tab(code, request.form, domain_errors(error), http_status=error.status)
    return _done(code, "Endereço incluído.")


@bp.route("/clientes/<int:code>/enderecos/<int:address_id>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_address(code: int, address_id: int):
    address = addresses.get_address(code, address_id)
    return _tab(code, _values(address), editing=address.id)


@bp.route("/clientes/<int:code>/enderecos/<int:address_id>", methods=["POST"])
@requires("customers", WRITE)
def update_address(code: int, address_id: int):
    """Save what changed (a part emptied is cleared)."""
    address = addresses.get_address(code, address_id)
    stored = {name: getattr(address, name) for name in FIELDS}
    typed = body_from(request.form, FIELDS, blank_as_none=True)
    changes = changed(typed, stored, {"cep"})
    if not changes:
        return _done(code, "Endereço salvo.")
    data, errors = load(CustomerAddressPatch(), changes)
    if errors:
        return _tab(code, request.form, errors, editing=address_id, http_status=422)
    try:
        addresses.update_address(code, address_id, data, _types(), provider())
    except DomainError as error:
        db.session.rollback()
        errors = domain_errors(error)
        return _tab(code, request.form, errors, editing=address_id, http_status=error.status)
    return _done(code, "Endereço salvo.")


@bp.route("/clientes/<int:code>/enderecos/<int:address_id>/excluir", methods=["POST"])
@requires("customers", WRITE)
def delete_address(code: int, address_id: int):
    addresses.delete_address(code, address_id)
    return _done(code, "Endereço excluído.")
