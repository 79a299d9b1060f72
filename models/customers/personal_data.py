"""Everything held about one customer, in one document: the LGPD access right (art. 18, II).

Read-only and for admins; each part comes from its own domain, so a new domain that holds
personal data adds one line here. Connection and call records can be millions of rows: they
are summarised (count, first, last) and exported through /exports.
"""

from sqlalchemy import func, select

from models.audit import HistoryEntry
from models.billing.equipment_sales import EquipmentSale, customer_sales
from models.billing.receivables import Receivable
from models.billing.suspension_holds import SuspensionHold, TrustUnlock
from models.clock import utcnow
from models.customers.addresses import list_addresses
from models.customers.consents import ConsentRecord, current_consents
from models.customers.contacts import customer_contacts
from models.customers.customer_documents import CustomerDocument
from models.customers.customer_options import get_options
from models.customers.customers import get_customer
from models.customers.extra_field_values import contacts_fields, customer_fields
from models.customers.observations import Observation
from models.customers.payment_methods import PaymentMethod
from models.db import db
from models.extracts import record_reads
from models.extracts.calls import Call
from models.notices.notices import Notice
from models.service.equipment_lending import EquipmentAssignment
from models.service.items import RADIUS_LOGIN, Item
from models.service.radius import RadAcct
from models.service.subscriptions import Subscription

HISTORY_CAP = 10_000  # the newest changes; the rest stays readable page by page in /history


def personal_data(code: int) -> dict:
    """The customer's record and everything hanging off it, payment data included."""
    customer = get_customer(code)
    contacts = customer_contacts(code)
    fields_of = contacts_fields([contact.id for contact in contacts])
    for contact in contacts:
        contact.extra_fields = fields_of[contact.id]
    methods = _all(PaymentMethod, code, PaymentMethod.id)
    for method in methods:
        method.show_unmasked = True  # the person's own data, asked for by an admin
    history = _all(HistoryEntry, code, HistoryEntry.id.desc(), limit=HISTORY_CAP)
    usage = _usage(code)
    # The document summarises the connection records: a read, logged (record_reads).
    record_reads.record_read(
        record_reads.PERSONAL_DATA, {}, customer_code=code, rows=usage["connections"]["count"]
    )
    return {
        "generated_at": utcnow(),
        "customer": customer,
        "options": get_options(code),
        "extra_fields": customer_fields(code),
        "addresses": list_addresses(code),
        "contacts": contacts,
        "observations": _all(Observation, code, Observation.id),
        "documents": _all(CustomerDocument, code, CustomerDocument.id),
        "payment_methods": methods,
        "consents": current_consents(code),
        "consent_statements": _all(ConsentRecord, code, ConsentRecord.id),
        "subscriptions": _all(Subscription, code, Subscription.id),
        "items": _all(Item, code, Item.id),
        "receivables": _all(Receivable, code, Receivable.id),
        "notices": _all(Notice, code, Notice.id),
        "equipment": _all(EquipmentAssignment, code, EquipmentAssignment.id),
        "equipment_sales": customer_sales(code, 1, _count(EquipmentSale, code) or 1)[0],
        "trust_unlocks": _all(TrustUnlock, code, TrustUnlock.id),
        "suspension_holds": _all(SuspensionHold, code, SuspensionHold.id),
        "usage": usage,
        "history": history,
        "history_total": _count(HistoryEntry, code),
    }


def _all(model, code: int, order, limit: int | None = None) -> list:
    query = db.select(model).where(model.customer_code == code).order_by(order).limit(limit)
    return list(db.session.scalars(query))


def _count(model, code: int) -> int:
    query = select(func.count()).select_from(model).where(model.customer_code == code)
    return db.session.scalar(query)


def _usage(code: int) -> dict:
    """How many sessions and calls are kept for the customer, and their span."""
    logins = select(Item.username).where(Item.customer_code == code, Item.kind == RADIUS_LOGIN)
    start = RadAcct.acctstarttime
    sessions = db.session.execute(
        select(func.count(), func.min(start), func.max(start)).where(RadAcct.username.in_(logins))
    ).one()
    calls = db.session.execute(
        select(func.count(), func.min(Call.started_at), func.max(Call.started_at)).where(
            Call.customer_code == code
        )
    ).one()
    return {
        "connections": dict(zip(("count", "first", "last"), sessions, strict=True)),
        "calls": dict(zip(("count", "first", "last"), calls, strict=True)),
    }
