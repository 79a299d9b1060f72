"""Contacts of a customer [5.4] and their extra fields [5.4.11]."""

from flask import current_app, url_for

from models.customers import contacts, extra_field_values
from schemas.customers.contacts import (
    ContactInput,
    ContactOutput,
    ContactPage,
    ContactPatch,
    ContactQuery,
)
from schemas.customers.extra_fields import ExtraFieldsOutput, FieldValueOutput, ValueInput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
_CONTACTS = "/customers/<int:code>/contacts"
_CONTACT = _CONTACTS + "/<int:contact_id>"
blp = Blueprint("contacts", __name__, description="Contacts of a customer")


def _with_fields(found: list[contacts.Contact]) -> list[contacts.Contact]:
    """The contacts with their extra fields, in two queries however many contacts."""
    by_id = extra_field_values.contacts_fields([contact.id for contact in found])
    for contact in found:
        contact.extra_fields = by_id[contact.id]
    return found


def _types() -> tuple[str, ...]:
    return current_app.config["CONTACT_TYPES"]


@blp.route(_CONTACTS, methods=["GET"])
@blp.arguments(ContactQuery, location="query")
@blp.response(200, ContactPage)
@requires("customers", READ)
def list_contacts(paging, code):
    """The customer's contacts, by name."""
    found, total = contacts.list_contacts(code, paging["page"], paging["per_page"])
    return {"items": _with_fields(found), "total": total, **paging}


@blp.route(_CONTACTS, methods=["POST"])
@blp.arguments(ContactInput)
@blp.created(ContactOutput, "contact")
@requires("customers", WRITE)
def create_contact(data, code):
    """Add a contact (422 for a type not in CONTACT_TYPES, a birth date in the future)."""
    contact = contacts.create_contact(code, data, _types())
    location = url_for(".get_contact", code=code, contact_id=contact.id)
    return _with_fields([contact])[0], 201, {"Location": location}


@blp.route(_CONTACT, methods=["GET"])
@blp.response(200, ContactOutput)
@requires("customers", READ)
def get_contact(code, contact_id):
    """One contact, with its extra fields."""
    return _with_fields([contacts.get_contact(code, contact_id)])[0]


@blp.route(_CONTACT, methods=["PATCH"])
@blp.arguments(ContactPatch)
@blp.response(200, ContactOutput)
@requires("customers", WRITE)
def update_contact(changes, code, contact_id):
    """Change some fields (sms_allowed stays true only while there is a mobile)."""
    contact = contacts.update_contact(code, contact_id, changes, _types())
    return _with_fields([contact])[0]


@blp.route(_CONTACT, methods=["DELETE"])
@blp.response(204)
@requires("customers", WRITE)
def delete_contact(code, contact_id):
    """Remove a contact and its extra field values."""
    contacts.delete_contact(code, contact_id)


@blp.route(_CONTACT + "/extra-fields", methods=["GET"])
@blp.response(200, ExtraFieldsOutput)
@requires("customers", READ)
def contact_fields(code, contact_id):
    """The contact's active extra fields with their values; `missing`: required, unset."""
    contact = contacts.get_contact(code, contact_id)
    return extra_field_values.contacts_fields([contact.id])[contact.id]


@blp.route(_CONTACT + "/extra-fields/<int:field_id>", methods=["PUT"])
@blp.arguments(ValueInput)
@blp.response(200, FieldValueOutput)
@blp.alt_response(409, description="Set by someone else at the same moment")
@requires("customers", WRITE)
def set_contact_field(data, code, contact_id, field_id):
    """Set one of the contact's field values, checked against its type; null clears it."""
    contacts.get_contact(code, contact_id, for_update=True)
    result = extra_field_values.set_value(code, contact_id, field_id, data["value"])
    return result
