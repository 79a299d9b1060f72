"""Values of extra fields on a customer or one of its contacts [5.2, 5.4.11].

Staff change only values, each checked against its field's type. A required field without a
value blocks nothing: it is listed as missing.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from models.customers.extra_fields import (
    CONTACT,
    CUSTOMER,
    DATE,
    NUMBER,
    TEXT,
    ExtraFieldDefinition,
    ExtraFieldValue,
)
from models.db import db, flush_or_conflict, get_row
from models.errors import Conflict, Invalid, NotFound

TEXT_MAX = 500
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Up to 20 digits before the point and 10 after: an amount or a count, never a float's noise.
_NUMBER = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,10})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class FieldValue:
    """An active field with the value it holds here (None when unset)."""

    definition: ExtraFieldDefinition
    value: str | None


@dataclass(frozen=True)
class ExtraFields:
    """Every active field of a customer or contact, and the required ones without a value."""

    items: list[FieldValue]

    @property
    def missing(self) -> list[ExtraFieldDefinition]:
        return [i.definition for i in self.items if i.definition.required and i.value is None]


def _active(applies_to: str) -> list[ExtraFieldDefinition]:
    query = (
        db.select(ExtraFieldDefinition)
        .where(ExtraFieldDefinition.applies_to == applies_to, ExtraFieldDefinition.active)
        .order_by(ExtraFieldDefinition.name, ExtraFieldDefinition.id)
    )
    return list(db.session.scalars(query))


def customer_fields(code: int) -> ExtraFields:
    """The customer's extra fields with their values, in two queries."""
    query = db.select(ExtraFieldValue.definition_id, ExtraFieldValue.value).where(
        ExtraFieldValue.customer_code == code, ExtraFieldValue.contact_id.is_(None)
    )
    values = {definition_id: value for definition_id, value in db.session.execute(query)}
    return ExtraFields([FieldValue(d, values.get(d.id)) for d in _active(CUSTOMER)])


def contacts_fields(contact_ids: list[int]) -> dict[int, ExtraFields]:
    """Each contact's extra fields with their values, in two queries however many contacts."""
    if not contact_ids:
        return {}
    definitions = _active(CONTACT)
    query = db.select(
        ExtraFieldValue.contact_id, ExtraFieldValue.definition_id, ExtraFieldValue.value
    ).where(ExtraFieldValue.contact_id.in_(contact_ids))
    values: dict[tuple[int, int], str | None] = {}
    for contact_id, definition_id, value in db.session.execute(query):
        values[contact_id, definition_id] = value
    return {
        contact_id: ExtraFields(
            [FieldValue(d, values.get((contact_id, d.id))) for d in definitions]
        )
        for contact_id in contact_ids
    }


def _usable(field_id: int, applies_to: str) -> ExtraFieldDefinition:
    field = get_row(ExtraFieldDefinition, field_id, "Extra field")
    if field.applies_to != applies_to or not field.active:
        raise NotFound(f"Extra field {field_id} is not an active {applies_to} field.")
    return field


def set_value(code: int, contact_id: int | None, field_id: int, raw) -> FieldValue:
    """Set (or clear, with None) one field's value; the caller has locked its customer/contact."""
    field = _usable(field_id, CUSTOMER if contact_id is None else CONTACT)
    stored = coerce_value(field, raw)
    query = db.select(ExtraFieldValue).where(ExtraFieldValue.definition_id == field.id)
    if contact_id is None:
        owner = ExtraFieldValue.customer_code == code, ExtraFieldValue.contact_id.is_(None)
    else:
        owner = (ExtraFieldValue.contact_id == contact_id,)
    row = db.session.scalar(query.where(*owner))
    if row is None and stored is None:
        return FieldValue(field, None)  # nothing to clear: no change, no history
    if row is None:
        row = ExtraFieldValue(definition=field, customer_code=code, contact_id=contact_id)
        db.session.add(row)
    row.value = stored
    unique = "uq_extra_field_values_" + ("customer_code" if contact_id is None else "contact_id")
    flush_or_conflict(unique, Conflict("The value was set at the same time; try again."))
    return FieldValue(field, stored)


def delete_contact_values(contact_id: int) -> None:
    """Remove a contact's values before the contact goes (each removal in the history)."""
    query = db.select(ExtraFieldValue).where(ExtraFieldValue.contact_id == contact_id)
    for row in db.session.scalars(query):
        db.session.delete(row)


def coerce_value(field: ExtraFieldDefinition, raw) -> str | None:
    """The stored form of `raw` for this field (None clears it), or Invalid naming `value`."""
    if raw is None:
        return None
    if field.type == NUMBER:
        return _number(raw)
    if not isinstance(raw, str):
        raise Invalid.field("value", f"A {field.type} field takes a string.")
    if field.type == TEXT:
        if len(raw) > TEXT_MAX:
            raise Invalid.field("value", f"Longer than {TEXT_MAX} characters.")
        if _CONTROL.search(raw):
            raise Invalid.field("value", "Contains control characters or line breaks.")
        return raw.strip() or None  # blank text is no value, as in every text field
    if field.type == DATE:
        return _date(raw)
    if raw not in field.options:
        raise Invalid.field("value", f"Not one of the options: {', '.join(field.options)}.")
    return raw


def _number(raw) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise Invalid.field("value", 'A number, or a string holding one such as "12.5".')
    if isinstance(raw, str):
        text = raw.strip()
    else:
        try:  # through str: 0.1 stays "0.1", not the float's binary expansion
            text = format(Decimal(str(raw)), "f")
        except (InvalidOperation, ValueError):
            text = ""
    if not _NUMBER.fullmatch(text):
        raise Invalid.field("value", "A number with up to 20 digits before the point, 10 after.")
    return text


def _date(raw: str) -> str:
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise Invalid.field("value", "A date as YYYY-MM-DD.") from None
