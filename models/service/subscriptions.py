"""Subscriptions ("Planos do cliente", manual [6.1]): a customer's contract for a plan.

The plan part (which plan, where it is installed) and the billing part [6.1.2] (due day, price,
discount, first due date, billing address). Changes that RADIUS must follow (terms, suspend,
enable, cancel) live in models/service/subscription_changes.py; the items in
models/service/items.py.
"""

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited
from models.billing.billing_accounts import usable_account
from models.clock import local_today, utcnow
from models.customers.customers import get_customer
from models.db import JSONType, UTCDateTime, db, get_or_none, get_row, paginate
from models.errors import Conflict, Invalid
from models.service.access_attributes import AREAS, URBAN
from models.service.plans import Plan

ACTIVE, SUSPENDED, CANCELLED = "active", "suspended", "cancelled"
STATUSES = (ACTIVE, SUSPENDED, CANCELLED)
# [6.1] "Planos ativos" are the ones still in force (a suspended one included); [6.2]
# "Planos inativos" the cancelled ones.
STATUS_FILTERS = {"active": (ACTIVE, SUSPENDED), "inactive": (CANCELLED,)}
LAST_DUE_DAY = 28  # every month has it
# Why a subscription is suspended: only a non-payment suspension is lifted automatically.
NON_PAYMENT, BY_STAFF, BY_SCHEDULE = "non_payment", "staff", "schedule"
SUSPENDED_FOR = (NON_PAYMENT, BY_STAFF, BY_SCHEDULE)
SUSPENSION_REASONS = {NON_PAYMENT: "inadimplência"}


class Subscription(Audited, db.Model):
    """A customer's subscription to a plan, with its billing terms and status."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"due_day BETWEEN 1 AND {LAST_DUE_DAY}", name="due_day_in_month"),
        CheckConstraint("discount >= 0 AND discount <= price", name="discount_within_price"),
        Index("ix_subscriptions_customer_code_status", "customer_code", "status"),
        CheckConstraint(f"suspended_for IN {SUSPENDED_FOR!r}", name="suspended_for_known"),
        CheckConstraint(f"service_area IN {tuple(AREAS)!r}", name="service_area_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    # Null: installed at the customer's main address.
    installation_address: Mapped[dict | None] = mapped_column(JSONType)
    notes: Mapped[str | None] = mapped_column(Text)
    due_day: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    first_due_date: Mapped[date] = mapped_column(Date)
    # Null: billed at the customer's billing address (or main address).
    billing_address: Mapped[dict | None] = mapped_column(JSONType)
    # The billing account its boletos are issued on (null: the customer's, else the default).
    billing_account_id: Mapped[int | None] = mapped_column(ForeignKey("billing_accounts.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(120))
    # Where the access is for Anatel's report (Tipo de Atendimento): urbano unless staff say rural.
    service_area: Mapped[str] = mapped_column(String(6), default=URBAN, server_default=URBAN)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while suspended: who suspended it (SUSPENDED_FOR) and why, for the history.
    suspended_for: Mapped[str | None] = mapped_column(String(12))
    suspension_reason: Mapped[str | None] = mapped_column(String(120))
    # Set while the non-payment ladder keeps the plan's speeds reduced (status stays active).
    speed_reduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(lazy="joined", innerjoin=True)

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def monthly_amount(self) -> Decimal:
        """What the customer pays each month: price less discount."""
        return self.price - self.discount


def first_due_date_for(due_day: int, today: date) -> date:
    """The first `due_day` after `today` (this month if still ahead, else next month)."""
    if today.day < due_day:
        return today.replace(day=due_day)
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    next_month = today.replace(day=1) + timedelta(days=days_in_month)
    return next_month.replace(day=due_day)


def get_subscription(subscription_id: int, for_update: bool = False) -> Subscription:
    """The subscription with `subscription_id`, or NotFound."""
    return get_row(Subscription, subscription_id, "Subscription", for_update)


def sellable_plan(plan_id: int) -> Plan:
    plan = get_or_none(Plan, plan_id)
    if plan is None:
        raise Invalid.field("plan_id", f"No plan {plan_id}.")
    if not plan.active:
        raise Invalid.field("plan_id", f"Plan {plan.name!r} is no longer sold.")
    return plan


def check_terms(subscription: Subscription) -> None:
    if subscription.discount > subscription.price:
        raise Invalid.field("discount", "Cannot exceed the price.")


def create_subscription(customer_code: int, data: dict) -> Subscription:
    """Subscribe a customer to a plan from validated input (schemas.service.subscriptions)."""
    customer = get_customer(customer_code, for_update=True)
    if not customer.active:
        raise Conflict(f"Customer {customer_code} is inactive; reactivate it first.")
    plan = sellable_plan(data["plan_id"])
    today = local_today()
    first_due = data.get("first_due_date") or first_due_date_for(data["due_day"], today)
    if first_due < today:
        raise Invalid.field("first_due_date", "Cannot be in the past.")
    subscription = Subscription(
        customer_code=customer.code,
        plan=plan,
        status=ACTIVE,
        installation_address=data.get("installation_address"),
        notes=data.get("notes"),
        due_day=data["due_day"],
        price=data.get("price", plan.price),
        discount=data.get("discount", Decimal("0.00")),
        first_due_date=first_due,
        billing_address=data.get("billing_address"),
        billing_account_id=usable_account(data.get("billing_account_id")),
        service_area=data.get("service_area", URBAN),
    )
    check_terms(subscription)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def list_subscriptions(
    customer_code: int, status: str | None, page: int, per_page: int
) -> tuple[list[Subscription], int]:
    """A customer's subscriptions, newest first; `status` is active or inactive [6.1, 6.2]."""
    get_customer(customer_code)
    query = db.select(Subscription).where(Subscription.customer_code == customer_code)
    if status is not None:
        query = query.where(Subscription.status.in_(STATUS_FILTERS[status]))
    return paginate(query.order_by(Subscription.id.desc()), page, per_page)
