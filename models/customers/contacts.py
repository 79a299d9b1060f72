"""Contacts of a customer [5.4]: people to call about billing, support or the contract."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import local_today, utcnow
from models.customers.customers import get_customer
from models.customers.extra_field_values import delete_contact_values
from models.customers.identifiers import format_cpf, format_phone
from models.db import UTCDateTime, db, get_for_update, get_or_none, paginate
from models.errors import Invalid, NotFound

PHONES = ("phone", "fax", "radio_phone", "mobile")


class Contact(Audited, db.Model):
    """A person at the customer: their phones, e-mail, documents and notes."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    type: Mapped[str | None] = mapped_column(String(40))
    job_title: Mapped[str | None] = mapped_column(String(120))
    # Phones as DDD + number (10 or 11 digits), shown formatted.
    phone: Mapped[str | None] = mapped_column(String(11))
    fax: Mapped[str | None] = mapped_column(String(11))
    radio_phone: Mapped[str | None] = mapped_column(String(11))  # Nextel/Claro radio
    mobile: Mapped[str | None] = mapped_column(String(11))
    sms_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    birth_date: Mapped[date | None] = mapped_column(Date)
    father_name: Mapped[str | None] = mapped_column(String(150))
    mother_name: Mapped[str | None] = mapped_column(String(150))
    cpf: Mapped[str | None] = mapped_column(String(11))
    rg: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code

    def audit_value(self, key: str, value):
        """History shows phones and the CPF formatted, as the API does."""
        if value is None:
            return None
        if key in PHONES:
            return format_phone(value)
        if key == "cpf":
            return format_cpf(value)
        return value


def customer_contacts(code: int) -> list[Contact]:
    """All of a customer's contacts, by name, in one query (for the customer's record)."""
    query = (
        db.select(Contact).where(Contact.customer_code == code).order_by(Contact.name, Contact.id)
    )
    return list(db.session.scalars(query))


def list_contacts(code: int, page: int, per_page: int) -> tuple[list[Contact], int]:
    """One page of a customer's contacts, by name, and how many there are."""
    get_customer(code)
    query = (
        db.select(Contact).where(Contact.customer_code == code).order_by(Contact.name, Contact.id)
    )
    return paginate(query, page, per_page)


def get_contact(code: int, contact_id: int, for_update: bool = False) -> Contact:
    """The customer's contact `contact_id` (locked when `for_update`), or NotFound."""
    get_customer(code)
    contact = get_or_none(Contact, contact_id)
    if contact is not None and for_update:
        contact = get_for_update(Contact, contact_id)
    if contact is None or contact.customer_code != code:
        raise NotFound(f"Contact {contact_id} of customer {code} not found.")
    return contact


def _check(contact: Contact, data: dict, types: tuple[str, ...]) -> None:
    """Rules the body cannot settle alone: the type list, today's date, the stored mobile."""
    if data.get("type") is not None and data["type"] not in types:
        raise Invalid.field("type", f"One of: {', '.join(types)}.")
    birth = data.get("birth_date")
    if birth is not None and birth > local_today():
        raise Invalid.field("birth_date", "Cannot be in the future.")
    if contact.sms_allowed and not contact.mobile:
        raise Invalid.field("sms_allowed", "Only with a mobile number.")


def create_contact(code: int, data: dict, types: tuple[str, ...]) -> Contact:
    """Add a contact to the customer; `types` are the contact types in use (a setting)."""
    get_customer(code)
    contact = Contact(customer_code=code, sms_allowed=False)
    for key, value in data.items():
        setattr(contact, key, value)
    _check(contact, data, types)
    db.session.add(contact)
    db.session.flush()
    return contact


def update_contact(code: int, contact_id: int, changes: dict, types: tuple[str, ...]) -> Contact:
    """Change some fields; the contact as it would be saved must follow the rules."""
    contact = get_contact(code, contact_id, for_update=True)
    for key, value in changes.items():
        setattr(contact, key, value)
    _check(contact, changes, types)
    db.session.flush()
    return contact


def delete_contact(code: int, contact_id: int) -> None:
    """Remove a contact and its extra field values."""
    contact = get_contact(code, contact_id, for_update=True)
    delete_contact_values(contact.id)
    db.session.flush()  # the values first: the contact's row would take them with it
    db.session.delete(contact)
    db.session.flush()
