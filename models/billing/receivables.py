"""Receivables ("contas a receber"): what a customer owes, line by line, and its settlement.

A receivable's `amount` is the sum of its lines (a discount is a negative line); lines are
written with the receivable and never change, so only the receivable is audited. Every creator
passes a `source_key` the database keeps unique (`monthly:{subscription_id}:{YYYY-MM}` for
monthly billing, `sale:{sale_id}` for an equipment sale): creating twice creates nothing.

Payments (`settle`) add up in `paid_amount`: the receivable is `paid` exactly when they reach
its amount. Less leaves it `partially_paid` with a `balance` (amount less payments) still owed:
it stays overdue for the notices and the suspension sweep, and its boleto is issued for the
balance. More is recorded as `overpaid` (payments less amount), never dropped: finance refunds
it or uses it as they agree with the customer. A payment of zero or less is refused.
Cancelling (an open receivable only: one with money received is settled, not cancelled)
releases the receivable's billing events to the next monthly billing.

Amounts: no receivable is created for more than a boleto's barcode carries (BOLETO_MAX_AMOUNT,
ten digits of cents: 99,999,999.99), the limit of every way the ISP is paid.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    Select,
    String,
    exists,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited, current_actor
from models.billing.billing_events import release_events
from models.billing.boleto_codes import MAX_CENTS
from models.clock import local_today, utcnow
from models.customers.customers import get_customer
from models.customers.payment_methods import BOLETO, PaymentMethod
from models.db import UTCDateTime, db, get_row, is_unique_violation, paginate
from models.effects import after_commit
from models.errors import Conflict, Invalid

OPEN, PAID, CANCELLED = "open", "paid", "cancelled"
PARTIALLY_PAID = "partially_paid"
STATUSES = (OPEN, PARTIALLY_PAID, PAID, CANCELLED)
OWED = (OPEN, PARTIALLY_PAID)  # still to be paid: overdue notices, suspension, boletos
PLAN, DISCOUNT, BILLING_EVENT, BOLETO_FEE, OTHER = (
    "plan",
    "discount",
    "billing_event",
    "boleto_fee",
    "other",
)
SPEED_REDUCTION = "speed_reduction"  # a credit (negative) for days at reduced speed
LINE_KINDS = (PLAN, DISCOUNT, BILLING_EVENT, BOLETO_FEE, OTHER, SPEED_REDUCTION)
SOURCE_KEY_UNIQUE = "uq_receivables_source_key"
# The boleto's amount field: 10 digits of cents (models/billing/boleto_codes.py).
BOLETO_MAX_AMOUNT = Decimal(MAX_CENTS) / 100
NUMERIC_MAX = Decimal("9999999999.99")  # NUMERIC(12,2)
MAX_AMOUNT = BOLETO_MAX_AMOUNT  # what a receivable may be: every payment method carries it
LIFT_TASK = "tasks.suspension.lift_if_paid"
LIFT_MANY_TASK = "tasks.suspension.lift_paid_customers"  # one message for a batch of payments


class AmountTooLarge(Conflict):
    """The amount does not fit a boleto (a row from before receivables were limited)."""

    code = "amount_too_large_for_boleto"

    def __init__(self, receivable_id: int, amount: Decimal):
        super().__init__(
            f"Receivable {receivable_id}: amount {amount} does not fit a boleto "
            f"(at most {BOLETO_MAX_AMOUNT}).",
            {"amount": [f"At most {BOLETO_MAX_AMOUNT} for a boleto."]},
        )


class Receivable(Audited, db.Model):
    """A bill: amount (sum of its lines), due date, and whether it was paid or cancelled."""

    __tablename__ = "receivables"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_receivables_customer_code_due_date", "customer_code", "due_date"),
        Index("ix_receivables_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    # Null for a receivable of no subscription (a sale billed on its own, a manual one).
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    paid_on: Mapped[date | None] = mapped_column(Date)  # the last payment's date
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # sum of payments
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_by: Mapped[str | None] = mapped_column(String(80))
    # First day of the month billed (monthly receivables only).
    billing_month: Mapped[date | None] = mapped_column(Date)
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list["ReceivableLine"]] = relationship(
        order_by="ReceivableLine.id", back_populates="receivable", lazy="selectin"
    )

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def balance(self) -> Decimal:
        """What is still owed: the amount less the payments (0 once paid or cancelled)."""
        if self.status not in OWED:
            return Decimal("0.00")
        return max(self.amount - (self.paid_amount or 0), Decimal("0.00"))

    @property
    def overpaid(self) -> Decimal:
        """What came in beyond the amount (to refund or use as agreed)."""
        return max((self.paid_amount or 0) - self.amount, Decimal("0.00"))


def balance_column():
    """SQL: what is still owed on an owed receivable (amount less payments)."""
    return Receivable.amount - db.func.coalesce(Receivable.paid_amount, 0)


def balance_is(amount):
    """SQL: the receivable's balance equals `amount` (a column), compared in whole cents:
    SQLite subtracts NUMERIC in floating point (99.90 - 40.00 is 59.900000000000006)."""
    return db.func.round(balance_column() * 100) == db.func.round(amount * 100)


class ReceivableLine(db.Model):
    """One part of a receivable's amount (plan, discount, installment, boleto fee...)."""

    __tablename__ = "receivable_lines"
    __table_args__ = (CheckConstraint(f"kind IN {LINE_KINDS!r}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    kind: Mapped[str] = mapped_column(String(16), default=OTHER)
    billing_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_events.id"), index=True
    )

    receivable: Mapped[Receivable] = relationship(back_populates="lines")


def pays_by_boleto(customer_code_column):
    """SQL condition: the customer pays by boleto (default method boleto, or no default)."""
    other_default = exists().where(
        PaymentMethod.customer_code == customer_code_column,
        PaymentMethod.is_default.is_(True),
        PaymentMethod.method != BOLETO,
    )
    return ~other_default


def get_receivable(receivable_id: int, for_update: bool = False) -> Receivable:
    """The receivable with `receivable_id` (its lines loaded), or NotFound."""
    return get_row(Receivable, receivable_id, "Receivable", for_update)


def get_by_source_key(source_key: str) -> Receivable | None:
    """The receivable a creator made under `source_key`, if any."""
    return db.session.scalars(
        db.select(Receivable).where(Receivable.source_key == source_key)
    ).first()


def create_receivable(
    customer_code: int,
    description: str,
    due_date: date,
    lines: list[dict],
    source_key: str | None,
    subscription_id: int | None = None,
) -> Receivable | None:
    """Create an open receivable from `lines` ({description, amount, kind?, billing_event_id?}).

    Returns None when `source_key` was already used (by an earlier call or a parallel one):
    nothing is created; `get_by_source_key` gives the existing one.
    """
    if not lines:
        raise Invalid.field("lines", "At least one line.")
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0.00"))
    if not 0 < total <= MAX_AMOUNT:
        raise Invalid.field(
            "lines",
            f"The lines must add up to more than 0 and at most {MAX_AMOUNT} "
            "(the most a boleto carries).",
        )
    if source_key is not None and get_by_source_key(source_key) is not None:
        return None
    receivable = Receivable(
        customer_code=customer_code,
        subscription_id=subscription_id,
        description=description,
        amount=total,
        issue_date=local_today(),
        due_date=due_date,
        status=OPEN,
        source_key=source_key,
        lines=[ReceivableLine(**{"kind": OTHER, **line}) for line in lines],
    )
    try:
        with db.session.begin_nested():  # a parallel creator's row makes ours a no-op
            db.session.add(receivable)
    except IntegrityError as error:
        if is_unique_violation(error, SOURCE_KEY_UNIQUE):
            return None
        raise
    return receivable


def create_manual(customer_code: int, data: dict) -> Receivable:
    """A receivable staff type in (validated input: description, due_date, lines)."""
    get_customer(customer_code)
    if data["due_date"] < local_today():
        raise Invalid.field("due_date", "Cannot be in the past.")
    return create_receivable(
        customer_code, data["description"], data["due_date"], data["lines"], source_key=None
    )


def _for_change(receivable_id: int, statuses: tuple[str, ...]) -> Receivable:
    receivable = get_receivable(receivable_id, for_update=True)
    if receivable.status not in statuses:
        allowed = " or ".join(statuses)
        raise Conflict(f"Receivable {receivable_id} is {receivable.status}; only {allowed}.")
    return receivable


def _payment_error(receivable: Receivable, paid_on: date, amount: Decimal) -> Invalid | None:
    """Why this payment cannot be added to an owed receivable, or None."""
    if amount <= 0:
        return Invalid.field("amount", "More than zero.")
    if paid_on > local_today():
        return Invalid.field("paid_on", "Cannot be in the future.")
    if (receivable.paid_amount or Decimal("0.00")) + amount > NUMERIC_MAX:
        return Invalid.field("amount", "Far more than the receivable's amount.")
    return None


def _pay(receivable: Receivable, paid_on: date, amount: Decimal) -> None:
    total = (receivable.paid_amount or Decimal("0.00")) + amount
    receivable.paid_on, receivable.paid_amount = paid_on, total
    receivable.status = PAID if total >= receivable.amount else PARTIALLY_PAID


def settle(receivable_id: int, paid_on: date, amount: Decimal) -> Receivable:
    """Add a payment to an owed receivable: paid when the payments reach its amount,
    partially paid before (see the module's note on amounts)."""
    if amount <= 0:
        raise Invalid.field("amount", "More than zero.")
    if paid_on > local_today():
        raise Invalid.field("paid_on", "Cannot be in the future.")
    receivable = _for_change(receivable_id, OWED)
    error = _payment_error(receivable, paid_on, amount)
    if error is not None:
        raise error
    _pay(receivable, paid_on, amount)
    db.session.flush()
    _lift_if_paid(receivable.customer_code)
    return receivable


def settle_locked(payments: list[tuple[Receivable, date, Decimal]]) -> list[bool]:
    """Add payments to receivables the caller has locked (a bank file's batch), by the rules
    of `settle`: which were added (False: the receivable no longer owes, or the payment is not
    one `settle` takes). One flush, and one message after the commit to lift the suspensions
    of all their customers. Flushes, never commits."""
    added = []
    for receivable, paid_on, amount in payments:
        ok = receivable.status in OWED and _payment_error(receivable, paid_on, amount) is None
        if ok:
            _pay(receivable, paid_on, amount)
        added.append(ok)
    db.session.flush()
    paid = sorted({r.customer_code for (r, _, _), ok in zip(payments, added, strict=True) if ok})
    if paid:
        requested_by = current_actor(db.session).user_id
        after_commit(LIFT_MANY_TASK, paid, requested_by=requested_by)
    return added


def refund_locked(receivable: Receivable, amount: Decimal) -> None:
    """Take a refunded payment (a PIX devolução) back from a receivable the caller locked: what
    it undoes is owed again (open, or partially paid while other payments remain). A refund
    of more than was paid takes back what was paid. Flushes, never commits."""
    paid = receivable.paid_amount or Decimal("0.00")
    left = max(paid - amount, Decimal("0.00"))
    receivable.paid_amount = left or None
    if receivable.status == CANCELLED:
        return
    if left >= receivable.amount:
        receivable.status = PAID
    else:
        receivable.status = PARTIALLY_PAID if left else OPEN
        if not left:
            receivable.paid_on = None
    db.session.flush()


def cancel(receivable_id: int, reason: str) -> Receivable:
    """Cancel an open receivable; its billing events go back to pending for the next billing."""
    receivable = _for_change(receivable_id, (OPEN,))
    receivable.status, receivable.cancel_reason = CANCELLED, reason
    receivable.cancelled_by = current_actor(db.session).username
    db.session.flush()
    release_events(receivable.id)
    _lift_if_paid(receivable.customer_code)  # no longer owed: as if paid
    return receivable


def _lift_if_paid(customer_code: int) -> None:
    """After the commit, lift the customer's non-payment suspensions if nothing overdue is left
    (for whoever recorded the change; the daily sweep does it if the message is lost)."""
    requested_by = current_actor(db.session).user_id
    after_commit(LIFT_TASK, customer_code, requested_by=requested_by)


def _filtered(query: Select, filters: dict) -> Select:
    """`query` over receivables narrowed by customer_code, status, due range, and `overdue_on`
    (owed and due before that day: what the console shows as "Vencido")."""
    if (
        filters.get("due_from")
        and filters.get("due_to")
        and filters["due_from"] > filters["due_to"]
    ):
        raise Invalid.field("due_from", "The due-date range starts after it ends.")
    if "customer_code" in filters:
        query = query.where(Receivable.customer_code == filters["customer_code"])
    if "status" in filters:
        query = query.where(Receivable.status == filters["status"])
    if "overdue_on" in filters:
        query = query.where(
            Receivable.status.in_(OWED), Receivable.due_date < filters["overdue_on"]
        )
    if "due_from" in filters:
        query = query.where(Receivable.due_date >= filters["due_from"])
    if "due_to" in filters:
        query = query.where(Receivable.due_date <= filters["due_to"])
    return query


def list_receivables(filters: dict, page: int, per_page: int) -> tuple[list[Receivable], int]:
    """Receivables by due date (newest first), filtered by customer_code, status, due range
    (and overdue_on, see `_filtered`)."""
    query = _filtered(db.select(Receivable), filters)
    query = query.order_by(Receivable.due_date.desc(), Receivable.id.desc())
    return paginate(query, page, per_page)


def balance_total(filters: dict) -> Decimal:
    """What is still owed on all the receivables `filters` match (as `list_receivables` takes
    them): the sum of their balances, in one query."""
    query = db.select(db.func.coalesce(db.func.sum(balance_column()), 0)).where(
        Receivable.status.in_(OWED)
    )
    total = db.session.scalar(_filtered(query, filters))
    return Decimal(str(total)).quantize(Decimal("0.01"))  # SQLite may sum as a float


def overdue_customers(as_of: date, days: int) -> Select:
    """SELECT the codes of customers owing a receivable due more than `days` before `as_of`
    (open or partially paid)."""
    limit = as_of - timedelta(days=days)
    return (
        db.select(Receivable.customer_code)
        .where(Receivable.status.in_(OWED), Receivable.due_date < limit)
        .distinct()
        .order_by(Receivable.customer_code)
    )


def open_overdue_for(customer_code: int, as_of: date) -> list[Receivable]:
    """The customer's owed (open or partially paid) receivables due before `as_of`, oldest
    first."""
    query = db.select(Receivable).where(
        Receivable.customer_code == customer_code,
        Receivable.status.in_(OWED),
        Receivable.due_date < as_of,
    )
    return list(db.session.scalars(query.order_by(Receivable.due_date, Receivable.id)))
