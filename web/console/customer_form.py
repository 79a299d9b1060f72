"""Cadastro [5] edited, and Novo cliente PF/PJ [3]: the API's CustomerInput / CustomerPatch and
models.customers.registration's create_customer / update_customer, as web/api/customers does."""

from flask import abort, flash, redirect, request, url_for

from models.customers.customers import PF, PJ, get_customer
from models.customers.registration import create_customer, update_customer
from models.db import db
from models.errors import DomainError
from schemas.customers.customers import AddressInput, CustomerInput, CustomerPatch
from web.console.blueprint import bp, render
from web.console.edits import changed
from web.console.formats import on_screen_cep, on_screen_document, on_screen_phone
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import render_tab
from web.permissions import WRITE
from web.security import requires

ADDRESS_PARTS = ("cep", "street", "number", "complement", "district", "city", "state", "reference")
ADDRESSES = ("address", "billing_address")
PHONES = ("phone", "mobile", "fax")
COMMON = ("name",)
AFTER = ("condominium", "phone", "mobile", "fax", "email", "notes")
OF_KIND = {PF: ("cpf",), PJ: ("trade_name", "state_registration", "cnpj")}
MASKED = frozenset({"cpf", "cnpj", *PHONES, *(f"{address}.cep" for address in ADDRESSES)})

add_messages(
    (r"Already registered for customer (\d+)\.", "Outro cliente (código {0}) já o tem."),
    (r"Already registered\.", "Outro cliente já tem este documento."),
    (
        r"Missing: (.*)\.",
        "Preencha o endereço inteiro: logradouro, número, bairro, cidade, UF, CEP.",
    ),
    (r"Only for PJ \(pessoa jurídica\) customers; this one is PF\.", "Só para pessoa jurídica."),
    (r"Required for (PF|PJ) customers \(the record holds another\)\.", "Documento inválido."),
    (r"Subscriptions not cancelled: (.*)\.", "Assinaturas não canceladas ({0}): cancele antes."),
)


def fields_of(kind: str) -> tuple[str, ...]:
    """The form's field names (the API's) for a PF or PJ."""
    addresses = tuple(f"{address}.{part}" for address in ADDRESSES for part in ADDRESS_PARTS)
    return (*COMMON, *OF_KIND[kind], *addresses, *AFTER)


def values_of(customer) -> dict[str, str]:
    """The stored record as the form shows it (masks on)."""
    values = {name: getattr(customer, name) or "" for name in (*COMMON, *AFTER)}
    values["kind"] = customer.kind
    values.update(trade_name=customer.trade_name or "")
    values.update(state_registration=customer.state_registration or "")
    values[customer.document_field] = on_screen_document(customer.document)
    for name in PHONES:
        values[name] = on_screen_phone(getattr(customer, name))
    for address in ADDRESSES:
        parts = getattr(customer, address) or {}
        for part in ADDRESS_PARTS:
            values[f"{address}.{part}"] = parts.get(part) or ""
        values[f"{address}.cep"] = on_screen_cep(parts.get("cep"))
    return values


def _stored(customer) -> dict:
    """The record in the API's names, to compare with what was typed."""
    stored = {name: getattr(customer, name) for name in (*COMMON, *AFTER)}
    stored.update(trade_name=customer.trade_name, state_registration=customer.state_registration)
    stored[customer.document_field] = customer.document
    for address in ADDRESSES:
        stored[address] = getattr(customer, address)
    return stored


def _new_billing_errors(body: dict, customer) -> dict[str, list[str]]:
    """A billing address typed where there was none must be whole: the schema's own check."""
    if customer.billing_address is not None or not body.get("billing_address"):
        return {}
    _, errors = load(AddressInput(), body["billing_address"])
    return {f"billing_address.{name}": messages for name, messages in errors.items()}


def _saved(code: int, message: str):
    """The record again (its header too), saying what happened: after a POST, a GET (303)."""
    flash(message, "status")
    return redirect(url_for("console.record", code=code), 303)


def _form(customer, values, errors, status=200, kind=None):
    page = render_tab(
        "cadastro",
        "console/record/cadastro_form.html",
        customer,
        kind=kind or customer.kind,
        values=values,
        errors=errors,
    )
    return page, status


def _chosen_kind(customer) -> str:
    """The kind chosen in the edit form ("Tipo"); the stored one when none or unknown."""
    kind = (request.form.get("kind") or customer.kind).upper()
    return kind if kind in (PF, PJ) else customer.kind


def _kind_change(kind: str, customer) -> dict:
    """What a change of kind adds to the PATCH: the kind, and the old kind's own fields that
    hold something cleared (the new kind's document comes with the typed fields, and the
    schema requires it; the old document is replaced, not cleared)."""
    if kind == customer.kind:
        return {}
    gone = [name for name in OF_KIND[customer.kind] if name not in OF_KIND[kind]]
    cleared = {
        name: None
        for name in gone
        if name != customer.document_field and getattr(customer, name) is not None
    }
    return {"kind": kind, **cleared}


@bp.route("/clientes/<int:code>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_customer(code: int):
    """The Cadastro tab as a form."""
    customer = get_customer(code)
    return _form(customer, values_of(customer), {})


@bp.route("/clientes/<int:code>/editar", methods=["POST"])
@requires("customers", WRITE)
def update_customer_form(code: int):
    """Save what changed (a field emptied is cleared), then the record again: "Salvo.".

    "Tipo" may turn a PF into a PJ or back, as the API's PATCH does: the kind with the new
    kind's document; a PJ's own fields (nome fantasia, inscrição estadual) are cleared, and
    whatever the form holds of the other kind is ignored."""
    customer = get_customer(code)
    kind = _chosen_kind(customer)
    typed = body_from(request.form, fields_of(kind), blank_as_none=True)
    changes = {**changed(typed, _stored(customer), MASKED), **_kind_change(kind, customer)}
    if not changes:
        return _saved(code, "Salvo.")
    data, errors = load(CustomerPatch(), changes)
    errors = errors or _new_billing_errors(changes, customer)
    if errors:
        return _form(customer, request.form, errors, 422, kind)
    try:
        customer = update_customer(code, data)
    except DomainError as error:
        db.session.rollback()  # the record was changed in the session before the refusal
        return _form(get_customer(code), request.form, domain_errors(error), error.status, kind)
    return _saved(customer.code, "Salvo.")


@bp.route("/clientes/<int:code>/ativo", methods=["POST"])
@requires("customers", WRITE)
def set_customer_active(code: int):
    """Deactivate or reactivate (customers are never deleted), as the API's {"active": ...}."""
    body = {"active": request.form.get("active") == "true"}
    data, errors = load(CustomerPatch(), body)
    if errors:
        abort(400)
    try:
        customer = update_customer(code, data)
    except DomainError as error:
        db.session.rollback()
        customer = get_customer(code)
        page = render_tab(
            "cadastro", "console/record/cadastro.html", customer, errors=domain_errors(error)
        )
        return page, error.status
    return _saved(code, "Cliente reativado." if customer.active else "Cliente desativado.")


def _kind() -> str:
    """The kind asked for: ?kind= opens the form, the form's "Tipo" registers."""
    kind = (request.form.get("kind") or request.args.get("kind") or PF).upper()
    if kind not in (PF, PJ):
        abort(404)
    return kind


def _new_form(kind: str, values, errors, status=200):
    title = "Novo cliente " + kind
    page = render("console/customer/new.html", kind=kind, values=values, errors=errors, title=title)
    return page, status


@bp.route("/clientes/novo", methods=["GET"])
@requires("customers", WRITE)
def new_customer():
    """Novo cliente: the form for a PF (?kind=PF) or a PJ (?kind=PJ)."""
    return _new_form(_kind(), {}, {})


@bp.route("/clientes/novo", methods=["POST"])
@requires("customers", WRITE)
def create_customer_form():
    """Register the customer, then open its record (303)."""
    kind = _kind()
    body = {"kind": kind, **body_from(request.form, fields_of(kind))}
    if not body.get("billing_address"):
        body.pop("billing_address", None)
    data, errors = load(CustomerInput(), body)
    if errors:
        return _new_form(kind, request.form, errors, 422)
    try:
        customer = create_customer(data)
    except DomainError as error:
        db.session.rollback()
        return _new_form(kind, request.form, domain_errors(error), error.status)
    return redirect(url_for("console.record", code=customer.code), 303)
