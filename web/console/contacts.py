"""Contatos [5.4]: the customer's contacts with their SMS consent, listed, added, changed and
deleted as web/api/customers/contacts.py does (same schemas, same operations).

A contact's extra fields [5.4.11] (those defined for contacts) are in its edit form, each
named `extra.<field id>`, and saved with the contact as PUT .../contacts/{id}/extra-fields/{field}
does: ValueInput, then extra_field_values.set_value.
"""

from flask import current_app, request

from models.customers import contacts, extra_field_values
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError, Invalid
from schemas.common import MAX_PER_PAGE
from schemas.customers.contacts import ContactInput, ContactPatch
from schemas.customers.extra_fields import ValueInput
from web.console.blueprint import bp
from web.console.edits import changed
from web.console.formats import (
    api_extra,
    on_screen_date,
    on_screen_document,
    on_screen_extra,
    on_screen_phone,
)
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import listed_again, render_tab
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
EXTRA = "extra."

add_messages(
    (r"Only with a mobile number\.", "Só com um celular informado."),
)
TYPE_REFUSED = "Escolha um dos tipos de contato da lista."


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


def _extras(contact_id: int | None) -> list:
    """The contact's active extra fields with their values (none for a new contact)."""
    if contact_id is None:
        return []
    return extra_field_values.contacts_fields([contact_id])[contact_id].items


def _extra_changes(items) -> dict[int, str | None]:
    """The extra fields whose typed value differs from the stored one (blank clears)."""
    out: dict[int, str | None] = {}
    for item in items:
        name = f"{EXTRA}{item.definition.id}"
        if name not in request.form:
            continue
        typed = request.form[name].strip()
        if typed != on_screen_extra(item.definition, item.value):
            out[item.definition.id] = api_extra(item.definition, typed) if typed else None
    return out


def _save_extras(code: int, contact_id: int, changes: dict) -> dict[str, list[str]]:
    """Set each changed value as the API's PUT does; errors by form field (none: all saved)."""
    errors: dict[str, list[str]] = {}
    for field_id, raw in changes.items():
        data, value_errors = load(ValueInput(), {"value": raw})
        if not value_errors:
            try:
                extra_field_values.set_value(code, contact_id, field_id, data["value"])
            except Invalid as error:  # the value does not fit the field's type: nothing stored
                value_errors = domain_errors(error)
        if value_errors:
            errors[f"{EXTRA}{field_id}"] = [m for ms in value_errors.values() for m in ms]
    return errors


def _refused_type(errors: dict) -> dict:
    """A type not among the CONTACT_TYPES in use ("One of: ...") said in the form's words."""
    if "type" in errors:
        errors["type"] = [TYPE_REFUSED]
    return errors


def _tab(code: int, values=None, errors=None, editing=None, status=None, http_status=200):
    customer = get_customer(code)
    found, total = contacts.list_contacts(code, 1, MAX_PER_PAGE)
    extras = _extras(editing)
    if editing is not None and not any(name.startswith(EXTRA) for name in values or {}):
        values = {**(values or {}), **_extra_values(extras)}
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
        extras=extras,
        status=status,
    )
    return page, http_status


def _extra_values(items) -> dict[str, str]:
    return {f"{EXTRA}{i.definition.id}": on_screen_extra(i.definition, i.value) for i in items}


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.contacts")


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
        errors = _refused_type(domain_errors(error))
        return _tab(code, request.form, errors, http_status=error.status)
    return _done(code, "Contato incluído.")


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_contact(code: int, contact_id: int):
    contact = contacts.get_contact(code, contact_id)
    return _tab(code, _values(contact), editing=contact.id)


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>", methods=["POST"])
@requires("customers", WRITE)
def update_contact(code: int, contact_id: int):
    """Save what changed (a field emptied is cleared), the extra fields too, all or nothing."""
    contact = contacts.get_contact(code, contact_id)
    stored = {name: getattr(contact, name) for name in FIELDS}
    changes = changed(_body(blank_as_none=True), stored, MASKED)
    extra_changes = _extra_changes(_extras(contact_id))
    if not changes and not extra_changes:
        return _done(code, "Contato salvo.")
    data, errors = load(ContactPatch(), changes) if changes else (None, {})
    if errors:
        return _tab(code, request.form, errors, editing=contact_id, http_status=422)
    try:
        if changes:
            contacts.update_contact(code, contact_id, data, _types())
        if extra_changes:
            contacts.get_contact(code, contact_id, for_update=True)
            errors = _save_extras(code, contact_id, extra_changes)
    except DomainError as error:
        db.session.rollback()
        errors = _refused_type(domain_errors(error))
        return _tab(code, request.form, errors, editing=contact_id, http_status=error.status)
    if errors:
        db.session.rollback()  # the contact's own changes go neither
        return _tab(code, request.form, errors, editing=contact_id, http_status=422)
    return _done(code, "Contato salvo.")


@bp.route("/clientes/<int:code>/contatos/<int:contact_id>/excluir", methods=["POST"])
@requires("customers", WRITE)
def delete_contact(code: int, contact_id: int):
    contacts.delete_contact(code, contact_id)
    return _done(code, "Contato excluído.")
