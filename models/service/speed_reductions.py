"""Periods a subscription spent at reduced speed (the non-payment ladder's partial suspension).

One row per period: opened when the ladder reduces the speeds, closed (`ended_on`, the last day
exclusive: the first day back at full speed, or suspended) when payment
restores them or the ladder suspends. Monthly billing reads them to credit the part of the
month the customer did not get in full (models/billing), and marks each credited day range so
a credit is never given twice. The history shows the subscription's `speed_reduced_at`
changing; these rows are billing's ledger of it.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, Select, literal
from sqlalchemy.orm import Mapped, mapped_column

from models.clock import local_today, utcnow
from models.db import UTCDateTime, db


class SpeedReduction(db.Model):
    """A subscription's speeds kept at `percent` from `started_on` until `ended_on` (exclusive)."""

    __tablename__ = "speed_reductions"
    __table_args__ = (
        Index("ix_speed_reductions_subscription_open", "subscription_id", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    customer_code: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # Monthly billing credits days up to this date (exclusive); null: none credited yet.
    credited_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def open_reductions(subscriptions: list, percent: int) -> None:
    """Start a reduction period today for each of these (locked) subscriptions."""
    today = local_today()
    db.session.add_all(
        SpeedReduction(
            subscription_id=subscription.id,
            customer_code=subscription.customer_code,
            percent=percent,
            started_on=today,
        )
        for subscription in subscriptions
    )


def open_reductions_of(subscriptions: Select, percent: int) -> None:
    """open_reductions for the (locked) subscriptions `subscriptions` selects (their id and
    customer code), in one INSERT ... SELECT: the ladder's thousands at once."""
    now = utcnow()
    rows = subscriptions.add_columns(
        literal(percent), literal(local_today(), Date), literal(now, UTCDateTime)
    )
    columns = ["subscription_id", "customer_code", "percent", "started_on", "created_at"]
    db.session.execute(db.insert(SpeedReduction).from_select(columns, rows))


def close_reductions(subscription_ids: list[int]) -> None:
    """End today the open reduction periods of these subscriptions (back to full, or suspended)."""
    if not subscription_ids:
        return
    today = local_today()
    open_rows = db.session.scalars(
        db.select(SpeedReduction).where(
            SpeedReduction.subscription_id.in_(subscription_ids), SpeedReduction.ended_on.is_(None)
        )
    )
    for row in open_rows:
        row.ended_on = today


def reprice_reductions(percent: int) -> int:
    """Close today the open periods kept at another percentage and open new ones at `percent`
    (the setting changed): each period is credited at what the customer had. Returns how many."""
    stale = db.session.scalars(
        db.select(SpeedReduction)
        .where(SpeedReduction.ended_on.is_(None), SpeedReduction.percent != percent)
        .order_by(SpeedReduction.id)
        .with_for_update()
    ).all()
    today = local_today()
    for row in stale:
        row.ended_on = today
        db.session.add(
            SpeedReduction(
                subscription_id=row.subscription_id,
                customer_code=row.customer_code,
                percent=percent,
                started_on=today,
            )
        )
    return len(stale)


def open_percent(subscription_id: int) -> int | None:
    """The percentage of the subscription's open reduction period (None: at full speed)."""
    return db.session.scalar(
        db.select(SpeedReduction.percent).where(
            SpeedReduction.subscription_id == subscription_id, SpeedReduction.ended_on.is_(None)
        )
    )
