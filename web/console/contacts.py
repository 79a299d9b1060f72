"""Contatos [5.4]: the customer's contacts with their SMS consent, listed, added, changed and
deleted as web/api/customers/contacts.py does (same schemas, same operations)."""

from flask import current_app, flash, redirect, request, url_for

from models.customers import contacts
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from schemas.common import MAX_PER_PAGE
from schemas.customers.contacts import ContactInput, ContactPatch
from web.console.blueprint import bp, is_fragment_request
from web.console.edits import changed
from web.console.formats import on_screen_date, on_screen_document, on_screen_phone
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

FIELDS = (
    "name",
    "type",
    "job_title",
    "phone",
    "fax",
    "radio_phone",
    "mobile",
    "sms_allowed",
    "email",
    "birth_date",
    "father_name",
    "mother_name",
    "cpf",
    "rg",
    "notes",
)
PHONES = ("phone", "fax", "radio_phone", "mobile")
MASKED = frozenset({*PHONES, "cpf"})

add_messages(
    (r"Only with a mobile number\.", "Só com um celular informado."),
    (r"Cannot be in the future\.", "Não pode ser uma data futura."),
    (r"One of: .*", "Escolha uma das opções."),  # the CONTACT_TYPES in use
)


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["CONTACT_TYPES"])


def _values(contact) -> dict:
    values = {name: getattr(contact, name) or "" for name in FIELDS}
    for name in PHONES:
        values[name] = on_screen_phone(getattr(contact, name))
    values["cpf"] = on_screen_document(contact.cpf)
    values["birth_date"] = on_screen_date(contact.birth_date)
    values["sms_allowed"] = "true" if contact.sms_allowed else ""
    return values


def _tab(code: int, values=None, errors=None, editing=None, status=None, http_status=200):
    customer = get_customer(code)
    found, total = contacts.list_contacts(code, 1, MAX_PER_PAGE)
    page = render_tab(
        "contatos",
        "console/record/contatos.html",
        customer,
        contacts=found,
        total=total,
        types=[(kind, kind.capitalize()) for kind in _types()],
        values=values or {},
        errors=errors or {},
        editing=editing,
        status=status,
    )
    return page, http_status


def _done(code: int, message: str):
    """The list again saying what happened: the tab for htmx, else a GET after the POST."""
    target = url_for("console.contacts", code=code)
    if is_fragment_request():
        page, status = _tab(code, status=message)
        return page, status, {"HX-Push-Url": target}
    flash(message, "status")
    return redirect(target, 303)


def _body(blank_as_none: bool) -> dict:
    return body_from(
        request.form,
        FIELDS,
        dates=("birth_date",),
        checkboxes=("sms_allowed",),
        blank_as_none=blank_as_none,
    )


@bp.route("/clientes/<int:code>/contatos", methods=["GET"], endpoint="contacts")
@requires("customers", READ)
def contacts_tab(code: int):
    """The customer's contacts, by name, and a form to add one."""
    return _tab(code)


@bp.route("/clientes/<int:code>/contatos", methods=["POST"])
@requires("customers", WRITE)
def create_contact(code: int):
    data, errors = load(ContactInput(), _body(blank_as_none=False))
    if errors:
        return _tab(code, request.form, errors, http_status=422)
    try:
        contacts.create_contact(code, data, _types())
    except DomainError as error:
        db.session.rollback()
        return _tab(code, request.form, domain_errors(error), http_status=error.status)
    return _done(code, "Contato incluído.")


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_contact(code: int, contact_id: int):
    contact = contacts.get_contact(code, contact_id)
    return _tab(code, _values(contact), editing=contact.id)


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>", methods=["POST"])
@requires("customers", WRITE)
def update_contact(code: int, contact_id: int):
    """Save what changed (a field emptied is cleared)."""
    contact = contacts.get_contact(code, contact_id)
    stored = {name: getattr(contact, name) for name in FIELDS}
    changes = changed(_body(blank_as_none=True), stored, MASKED)
    if not changes:
        return _done(code, "Contato salvo.")
    data, errors = load(ContactPatch(), changes)
    if errors:
        return _tab(code, request.form, errors, editing=contact_id, http_status=422)
    try:
        contacts.update_contact(code, contact_id, data, _types())
    except DomainError as error:
        db.session.rollback()
        errors = domain_errors(error)
        return _tab(code, request.form, errors, editing=contact_id, http_status=error.status)
    return _done(code, "Contato salvo.")


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>/excluir", methods=["POST"])
@requires("customers", WRITE)
def delete_contact(code: int, contact_id: int):
    contacts.delete_contact(code, contact_id)
    return _done(code, "Contato excluído.")
