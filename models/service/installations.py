"""Installation scheduling [6.1.4]: when and by whom a subscription gets installed."""

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, Time, case
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from models.audit import Audited
from models.clock import local_today, utcnow
from models.customers.customers import Customer
from models.db import UTCDateTime, db, get_or_none, paginate
from models.errors import Conflict, Invalid
from models.service.subscriptions import CANCELLED, Subscription, get_subscription
from models.staff.users import TECHNICIAN, User

PERIODS = ("morning", "afternoon", "evening", "window")
# How the agenda names a part of the day for the technician (staff-facing: Portuguese).
PERIOD_LABELS = {"morning": "manhã", "afternoon": "tarde", "evening": "noite"}


class Installation(Audited, db.Model):
    """The visit that installs a subscription: one per subscription, rescheduled in place."""

    __tablename__ = "installations"
    __table_args__ = (
        CheckConstraint(f"period IN {PERIODS!r}", name="period_known"),
        CheckConstraint(
            "(period = 'window') = (starts_at IS NOT NULL AND ends_at IS NOT NULL)",
            name="window_has_times",
        ),
        Index("ix_installations_date_technician", "date", "technician_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), unique=True)
    date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[time | None] = mapped_column(Time)
    ends_at: Mapped[time | None] = mapped_column(Time)
    technician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    subscription: Mapped[Subscription] = relationship(lazy="joined", innerjoin=True)
    technician: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    # Who is visited: read by the agenda, which loads it for a whole page in one query.
    customer: Mapped[Customer] = relationship(
        secondary="subscriptions",
        primaryjoin="Installation.subscription_id == Subscription.id",
        secondaryjoin="Subscription.customer_code == Customer.code",
        viewonly=True,
        uselist=False,
    )

    def audit_customer_code(self) -> int:
        return self.subscription.customer_code

    @property
    def visit_address(self) -> dict | None:
        """Where the technician goes: the plan's installation address, else the customer's."""
        return self.subscription.installation_address or self.customer.address

    @property
    def visit_window(self) -> str:
        """The visit's window as the technician reads it: "manhã", or "14:00-16:00"."""
        if self.period == "window":
            return f"{self.starts_at:%H:%M}-{self.ends_at:%H:%M}"
        return PERIOD_LABELS[self.period]


def _technician(user_id: int) -> User:
    user = get_or_none(User, user_id)
    if user is None or user.role != TECHNICIAN or not user.active:
        raise Invalid.field("technician_id", "Not an active user with the technician role.")
    return user


def installation_of(subscription_id: int) -> Installation | None:
    return db.session.scalar(
        db.select(Installation).where(Installation.subscription_id == subscription_id)
    )


def schedule_installation(subscription_id: int, data: dict) -> tuple[Installation, bool]:
    """Schedule (or reschedule) the installation; return it and whether it is new."""
    subscription = get_subscription(subscription_id, for_update=True)
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription_id} is cancelled; nothing to install.")
    if data["date"] < local_today():
        raise Invalid.field("date", "Cannot be in the past.")
    technician = _technician(data["technician_id"])
    installation = installation_of(subscription_id)
    created = installation is None
    if created:
        installation = Installation(subscription=subscription)
        db.session.add(installation)
    installation.date, installation.period = data["date"], data["period"]
    installation.starts_at, installation.ends_at = data.get("starts_at"), data.get("ends_at")
    installation.technician, installation.notes = technician, data.get("notes")
    db.session.flush()
    return installation, created


def _part_of_day():
    """Morning, afternoon, evening in that order; a time window falls in the part it starts in."""
    return case(
        (Installation.period == "morning", 0),
        (Installation.period == "afternoon", 1),
        (Installation.period == "evening", 2),
        (Installation.starts_at < time(12), 0),
        (Installation.starts_at < time(18), 1),
        else_=2,
    )


def agenda(
    day: date | None, technician_id: int | None, page: int, per_page: int
) -> tuple[list[Installation], int]:
    """The technicians' agenda: installations by date and period, optionally of one day or one."""
    query = (
        db.select(Installation)
        .options(selectinload(Installation.customer))
        .order_by(Installation.date, _part_of_day(), Installation.starts_at, Installation.id)
    )
    if day is not None:
        query = query.where(Installation.date == day)
    if technician_id is not None:
        query = query.where(Installation.technician_id == technician_id)
    return paginate(query, page, per_page)
