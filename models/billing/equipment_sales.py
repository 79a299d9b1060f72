"""Equipment sales [6.5.4, 6.5.5]: items handed over and sold in one call, billed by a task.

Selling is lending with a price: the same call (`lend_equipment`) hands the items to the
subscription, but they end `sold`, and an `equipment_sales` row records the price and how it
is billed, in the same transaction. The billing itself is done later by `bill_sale(sale_id)`
(the task tasks.equipment.bill_sale, sent after commit, and re-sent by a beat sweep for a sale
still pending): N billing events taken by the next N monthly billings, or one receivable. Both
are created under the key `sale:{id}`, which the database keeps unique: billing a sale twice,
in parallel or after a killed worker, creates nothing more.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited, current_actor
from models.billing import billing_events, receivables
from models.clock import local_today, utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, get_for_update, get_row, paginate
from models.effects import after_commit
from models.errors import Invalid, NotFound
from models.service.equipment import SOLD, Equipment
from models.service.equipment_lending import lend_equipment

BILLING_EVENT, RECEIVABLE = "billing_event", "receivable"
MODES = (BILLING_EVENT, RECEIVABLE)
PENDING, BILLED = "pending", "billed"
STATUSES = (PENDING, BILLED)
BILL_TASK = "tasks.equipment.bill_sale"
_DESCRIPTION_MAX = 180  # room for the " (n/N)" an installment adds, within 200


class EquipmentSale(Audited, db.Model):
    """A sale of items to a subscription's customer: price, billing mode, and whether billed."""

    __tablename__ = "equipment_sales"
    __table_args__ = (
        CheckConstraint(f"mode IN {MODES!r}", name="mode_known"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint(
            "(mode = 'billing_event' AND installments IS NOT NULL AND due_date IS NULL) OR "
            "(mode = 'receivable' AND due_date IS NOT NULL AND installments IS NULL)",
            name="terms_match_mode",
        ),
        Index("ix_equipment_sales_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    mode: Mapped[str] = mapped_column(String(16))
    installments: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_by: Mapped[str] = mapped_column(String(80))
    created_by_user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    billed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list["EquipmentSaleItem"]] = relationship(
        order_by="EquipmentSaleItem.equipment_id", lazy="selectin"
    )

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def source_key(self) -> str:
        """The key of what billing this sale creates (events or receivable)."""
        return f"sale:{self.id}"


class EquipmentSaleItem(db.Model):
    """An item of a sale; an item is sold once (the unique equipment_id)."""

    __tablename__ = "equipment_sale_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("equipment_sales.id"), index=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), unique=True)

    equipment: Mapped[Equipment] = relationship(lazy="joined", innerjoin=True)


def _invalid(field: str, message: str) -> Invalid:
    """A 422 naming a field of `sale`, shaped as the schema's own nested errors."""
    return Invalid(f"Invalid value for sale.{field}.", {"sale": {field: [message]}})


def _check_terms(terms: dict) -> None:
    """The sale's terms, checked before anything changes (the task must not find them wrong)."""
    if terms["mode"] == BILLING_EVENT:
        try:
            billing_events.split_amount(terms["price"], terms["installments"])
        except Invalid as error:
            (field, (message,)), *_ = error.errors.items()
            raise _invalid("price" if field == "total" else field, message) from None
    elif terms["due_date"] < local_today():
        raise _invalid("due_date", "Cannot be in the past.")


def sell_equipment(customer_code: int, data: dict) -> tuple[list, EquipmentSale]:
    """Lend the items as sold and record the sale (pending billing), billed by a task sent
    after the commit (the sweep sends it again if its message is lost)."""
    terms = data["sale"]
    _check_terms(terms)
    get_customer(customer_code)
    assignments = lend_equipment(customer_code, data, status=SOLD)
    actor = current_actor(db.session)
    sale = EquipmentSale(
        customer_code=customer_code,
        subscription_id=data["subscription_id"],
        price=terms["price"],
        mode=terms["mode"],
        installments=terms.get("installments") if terms["mode"] == BILLING_EVENT else None,
        due_date=terms.get("due_date") if terms["mode"] == RECEIVABLE else None,
        status=PENDING,
        created_by=actor.username,
        created_by_user_id=actor.user_id,
        items=[EquipmentSaleItem(equipment_id=a.equipment_id) for a in assignments],
    )
    db.session.add(sale)
    db.session.flush()
    after_commit(BILL_TASK, sale.id)
    return assignments, sale


def _description(sale: EquipmentSale) -> str:
    names = ", ".join(
        f"{i.equipment.type} {i.equipment.model} nº {i.equipment.patrimony_number}"
        for i in sale.items
    )
    text = f"Venda de equipamento: {names}"
    return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 3] + "..."


def bill_sale(sale_id: int) -> str:
    """Create the sale's billing once (events or receivable, keyed by the sale); what happened."""
    sale = get_for_update(EquipmentSale, sale_id)
    if sale is None:
        return "missing"
    if sale.status == BILLED:
        return "already billed"
    description = _description(sale)
    if sale.mode == BILLING_EVENT:
        billing_events.add_installments(
            sale.customer_code,
            sale.subscription_id,
            description,
            sale.price,
            sale.installments,
            source_key=sale.source_key,
        )
    else:
        line = {"description": description, "amount": sale.price, "kind": receivables.OTHER}
        # No subscription_id: a sale billed on its own (monthly billing leaves it alone).
        receivables.create_receivable(
            sale.customer_code, description, sale.due_date, [line], source_key=sale.source_key
        )
    sale.status, sale.billed_at = BILLED, utcnow()
    db.session.flush()
    return BILLED


def unbilled_sales(older_than: timedelta, limit: int = 1000) -> list[int]:
    """Ids of sales still pending `older_than` after they were made (their message was lost)."""
    query = (
        db.select(EquipmentSale.id)
        .where(EquipmentSale.status == PENDING, EquipmentSale.created_at < utcnow() - older_than)
        .order_by(EquipmentSale.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _with_billing(sales: list[EquipmentSale]) -> list[EquipmentSale]:
    """Attach each sale's billing (its events, or its receivable), fetched in two queries."""
    keys = {sale.source_key: sale for sale in sales}
    for sale in sales:
        sale.billing_events, sale.receivable = [], None
    event = billing_events.BillingEvent
    found = db.select(event).where(event.source_key.in_(keys))
    for row in db.session.scalars(found.order_by(event.source_key, event.sequence)):
        keys[row.source_key].billing_events.append(row)
    bill = receivables.Receivable
    for row in db.session.scalars(db.select(bill).where(bill.source_key.in_(keys))):
        keys[row.source_key].receivable = row
    return sales


def get_sale(customer_code: int, sale_id: int) -> EquipmentSale:
    """The customer's sale `sale_id` with its billing, or NotFound."""
    sale = get_row(EquipmentSale, sale_id, "Equipment sale")
    if sale.customer_code != customer_code:
        raise NotFound(f"Equipment sale {sale_id} not found.")
    return _with_billing([sale])[0]


def customer_sales(customer_code: int, page: int, per_page: int) -> tuple[list, int]:
    """The customer's sales with their billing, newest first."""
    get_customer(customer_code)
    query = db.select(EquipmentSale).where(EquipmentSale.customer_code == customer_code)
    found, total = paginate(query.order_by(EquipmentSale.id.desc()), page, per_page)
    return _with_billing(found), total
