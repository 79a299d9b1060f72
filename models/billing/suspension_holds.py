"""What keeps the non-payment sweep away: a trust unlock of a customer, a hold on a subscription.

A trust unlock ("desbloqueio de confiança") lifts a customer's non-payment suspension (and
reduced speed) and keeps the sweep off the customer until `until`; it is granted at most once per
period. A hold (the seed vendor's "Suspensão Programada") keeps the ladder's stages off one
subscription until `until`, unless lifted early, flag by flag: `no_suspend` ("Suspender": not
suspended, so not terminated either) and `no_reduce` ("Reduzir": its speeds not reduced).
Both count through their `until` day (inclusive) in the ISP's zone; both are audited, so the
customer's history shows who granted and lifted them.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    exists,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.clock import local_today, utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, paginate
from models.errors import Conflict, Invalid, NotFound
from models.service.subscriptions import CANCELLED, get_subscription


class TrustUnlock(Audited, db.Model):
    """A customer's non-payment suspension lifted by staff until a date."""

    __tablename__ = "trust_unlocks"
    __table_args__ = (Index("ix_trust_unlocks_customer_code_until", "customer_code", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    granted_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code


class SuspensionHold(Audited, db.Model):
    """A subscription the non-payment sweep must not suspend until a date."""

    __tablename__ = "suspension_holds"
    __table_args__ = (
        Index("ix_suspension_holds_subscription_id_until", "subscription_id", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    customer_code: Mapped[int] = mapped_column(Integer)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    # Which stages it holds off: "Suspender" (suspension and termination) and "Reduzir".
    no_suspend: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    no_reduce: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(80))

    def audit_customer_code(self) -> int:
        return self.customer_code

    def status(self, today: date) -> str:
        """in_force, lifted (ended early by staff) or expired (its date passed)."""
        if self.lifted_at is not None:
            return LIFTED
        return IN_FORCE if self.until >= today else EXPIRED


IN_FORCE, LIFTED, EXPIRED = "in_force", "lifted", "expired"
HOLD_STATUSES = (IN_FORCE, LIFTED, EXPIRED)
NO_SUSPEND, NO_REDUCE = "no_suspend", "no_reduce"


def unlocked(customer_code_column, today: date) -> ColumnElement[bool]:
    """SQL condition: the customer has a trust unlock in force on `today`."""
    return exists().where(
        TrustUnlock.customer_code == customer_code_column, TrustUnlock.until >= today
    )


def held(subscription_id_column, today: date, flag: str) -> ColumnElement[bool]:
    """SQL condition: the subscription has a hold in force on `today` with `flag` (NO_SUSPEND
    or NO_REDUCE) set."""
    return exists().where(
        SuspensionHold.subscription_id == subscription_id_column,
        SuspensionHold.lifted_at.is_(None),
        SuspensionHold.until >= today,
        getattr(SuspensionHold, flag).is_(True),
    )


def _check_until(until: date, today: date, max_days: int | None = None) -> None:
    if until < today:
        raise Invalid.field("until", "Cannot be in the past.")
    if max_days is not None and until > today + timedelta(days=max_days):
        latest = today + timedelta(days=max_days)
        raise Invalid.field("until", f"At most {max_days} days ahead ({latest.isoformat()}).")


def record_trust_unlock(code: int, until: date, max_days: int, period_days: int) -> TrustUnlock:
    """Record a trust unlock after checking its limits; the customer's row is locked first."""
    get_customer(code, for_update=True)  # one grant at a time, and the sweep waits for it
    today = local_today()
    _check_until(until, today, max_days)
    last = db.session.scalars(
        db.select(TrustUnlock)
        .where(TrustUnlock.customer_code == code)
        .order_by(TrustUnlock.granted_on.desc(), TrustUnlock.id.desc())
    ).first()
    if last is not None and last.granted_on + timedelta(days=period_days) > today:
        next_on = (last.granted_on + timedelta(days=period_days)).isoformat()
        raise Conflict(
            f"One trust unlock per {period_days} days: the next is possible on {next_on}.",
            {"next_possible_on": [next_on]},
        )
    actor = current_actor(db.session)
    unlock = TrustUnlock(
        customer_code=code,
        granted_on=today,
        until=until,
        granted_by_id=actor.user_id,
        granted_by=actor.username,
    )
    db.session.add(unlock)
    db.session.flush()
    return unlock


def list_trust_unlocks(code: int, page: int, per_page: int) -> tuple[list[TrustUnlock], int]:
    """A customer's trust unlocks, newest first."""
    get_customer(code)
    query = db.select(TrustUnlock).where(TrustUnlock.customer_code == code)
    return paginate(query.order_by(TrustUnlock.id.desc()), page, per_page)


def _hold_in_force(subscription_id: int) -> SuspensionHold | None:
    query = db.select(SuspensionHold).where(
        SuspensionHold.subscription_id == subscription_id,
        SuspensionHold.lifted_at.is_(None),
        SuspensionHold.until >= local_today(),
    )
    return db.session.scalars(query.order_by(SuspensionHold.id.desc())).first()


def place_hold(
    subscription_id: int, until: date, reason: str, no_suspend: bool = True, no_reduce: bool = True
) -> SuspensionHold:
    """Hold the ladder's stages off a subscription until `until` (one hold in force at most):
    suspension and termination with `no_suspend`, reduced speed with `no_reduce`."""
    if not (no_suspend or no_reduce):
        raise Invalid.field("no_suspend", "A hold keeps off a suspension, a reduction or both.")
    subscription = get_subscription(subscription_id, for_update=True)
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription_id} is cancelled.")
    _check_until(until, local_today())
    current = _hold_in_force(subscription_id)
    if current is not None:
        raise Conflict(f"Already held until {current.until.isoformat()}; lift that hold first.")
    actor = current_actor(db.session)
    hold = SuspensionHold(
        subscription_id=subscription.id,
        customer_code=subscription.customer_code,
        until=until,
        reason=reason,
        no_suspend=no_suspend,
        no_reduce=no_reduce,
        created_by_id=actor.user_id,
        created_by=actor.username,
    )
    db.session.add(hold)
    db.session.flush()
    return hold


def lift_hold(subscription_id: int) -> SuspensionHold:
    """End the subscription's hold in force now, before its date."""
    get_subscription(subscription_id, for_update=True)
    hold = _hold_in_force(subscription_id)
    if hold is None:
        raise NotFound(f"Subscription {subscription_id} has no hold in force.")
    hold.lifted_at, hold.lifted_by = utcnow(), current_actor(db.session).username
    db.session.flush()
    return hold


def list_holds(subscription_id: int, page: int, per_page: int) -> tuple[list, int]:
    """A subscription's holds, newest first (lifted and expired ones included)."""
    get_subscription(subscription_id)
    query = db.select(SuspensionHold).where(SuspensionHold.subscription_id == subscription_id)
    return paginate(query.order_by(SuspensionHold.id.desc()), page, per_page)


def list_all_holds(status: str | None, page: int, per_page: int) -> tuple[list, int]:
    """Every subscription's holds ("Suspensões programadas"), newest first, by status."""
    query = db.select(SuspensionHold)
    today = local_today()
    if status == IN_FORCE:
        query = query.where(SuspensionHold.lifted_at.is_(None), SuspensionHold.until >= today)
    elif status == LIFTED:
        query = query.where(SuspensionHold.lifted_at.is_not(None))
    elif status == EXPIRED:
        query = query.where(SuspensionHold.lifted_at.is_(None), SuspensionHold.until < today)
    return paginate(query.order_by(SuspensionHold.id.desc()), page, per_page)
