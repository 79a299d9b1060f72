"""Billing events: amounts a subscription's next monthly billings take as lines (installments).

An equipment sale in N installments is N events keyed (source_key, sequence), e.g.
("sale:12", 1..N). Monthly billing takes, per source, the pending event with the lowest sequence
into the month's receivable (one installment a month) and marks it `billed` with that
receivable's id, in the same transaction (models/billing/monthly_billing.py). Cancelling that
receivable puts its events back to `pending` (`release_events`).
"""

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, is_unique_violation
from models.errors import Invalid

PENDING, BILLED, CANCELLED = "pending", "billed", "cancelled"
STATUSES = (PENDING, BILLED, CANCELLED)
MAX_INSTALLMENTS = 120
CENT = Decimal("0.01")
SOURCE_SEQUENCE_UNIQUE = "uq_billing_events_source_key_sequence"


class BillingEvent(Audited, db.Model):
    """An amount to bill with a subscription's next monthly receivable."""

    __tablename__ = "billing_events"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("source_key", "sequence", name=SOURCE_SEQUENCE_UNIQUE),
        Index("ix_billing_events_subscription_id_status", "subscription_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    # Set when billed: the receivable whose line it became.
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"), index=True)
    source_key: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code


def split_amount(total: Decimal, installments: int) -> list[Decimal]:
    """`total` in `installments` parts of whole cents adding up exactly; the remainder first."""
    if installments < 1 or installments > MAX_INSTALLMENTS:
        raise Invalid.field("installments", f"From 1 to {MAX_INSTALLMENTS}.")
    if total <= 0 or total != total.quantize(CENT):
        raise Invalid.field("total", "More than zero, in whole cents.")
    part = (total / installments).quantize(CENT, rounding=ROUND_DOWN)
    if part <= 0:
        raise Invalid.field("installments", "More installments than cents in the total.")
    return [total - part * (installments - 1)] + [part] * (installments - 1)


def events_of(source_key: str) -> list[BillingEvent]:
    """The events made under `source_key`, in sequence order."""
    query = db.select(BillingEvent).where(BillingEvent.source_key == source_key)
    return list(db.session.scalars(query.order_by(BillingEvent.sequence)))


def add_installments(
    customer_code: int,
    subscription_id: int,
    description: str,
    total: Decimal,
    installments: int,
    source_key: str,
) -> list[BillingEvent]:
    """Create `installments` pending events adding up to `total` ("desc (1/N)", ...).

    Idempotent on `source_key`: when its events exist (made by an earlier or a parallel
    call), nothing is created and the existing events are returned.
    """
    amounts = split_amount(total, installments)
    if events := events_of(source_key):
        return events
    events = [
        BillingEvent(
            customer_code=customer_code,
            subscription_id=subscription_id,
            description=f"{description} ({number}/{installments})",
            amount=amount,
            status=PENDING,
            source_key=source_key,
            sequence=number,
        )
        for number, amount in enumerate(amounts, start=1)
    ]
    try:
        with db.session.begin_nested():  # a parallel call's rows make ours a no-op
            db.session.add_all(events)
    except IntegrityError as error:
        if not is_unique_violation(error, SOURCE_SEQUENCE_UNIQUE):
            raise
        return events_of(source_key)
    return events


def pending_events(subscription_id: int) -> list[BillingEvent]:
    """The subscription's events not billed yet, by source and sequence."""
    query = db.select(BillingEvent).where(
        BillingEvent.subscription_id == subscription_id, BillingEvent.status == PENDING
    )
    return list(db.session.scalars(query.order_by(BillingEvent.source_key, BillingEvent.sequence)))


def release_events(receivable_id: int) -> None:
    """Put the events billed on a cancelled receivable back to pending."""
    db.session.execute(
        db.update(BillingEvent)
        .where(BillingEvent.receivable_id == receivable_id, BillingEvent.status == BILLED)
        .values(status=PENDING, receivable_id=None)
    )
