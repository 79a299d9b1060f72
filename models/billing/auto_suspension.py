"""Automatic suspension for non-payment [5.1.1], and its lifting when the customer pays.

The overdue rule: a receivable is overdue by more than N days (BILLING["auto_suspend_after_days"])
when today is more than N calendar days past its due date moved to the next business day
(models/business_days.payable_until), as the bank takes it without charges until then and the
overdue notices count from the same day. `overdue_boundary` turns that into one date: open
receivables due before it are overdue, so the database answers with the index on due dates.

Warned first: nobody is suspended unless the notice announcing the suspension and its date
(kind "suspension", claimed by the notice sweep for a receivable overdue by more than N days,
models/notice_sweeps.claim_suspension_notices) was sent for a receivable still owed, at least
BILLING["suspension_notice_days"] calendar days before (by the ISP's calendar). The notice
names the date: the day it is written plus those days; it is sent that day or later, so the
sweep never suspends before the date the customer read. A notice that could not be sent (no
e-mail address, consent withdrawn, no SMTP server, failed) suspends nobody: staff see it in
GET /notices?kind=suspension and act by hand.

Exactly once: the sweep lists candidates, then per chunk locks the customers (in code order)
and their subscriptions, and re-checks everything under the locks before changing a status
through the same operation scheduled suspensions use (models/subscription_changes). A second
sweep, running after or beside the first, finds nothing left to change.
"""

from datetime import date, timedelta

from sqlalchemy import exists

from models.billing.business_days import BusinessCalendar, business_calendar
from models.billing.receivables import OWED, Receivable, overdue_customers
from models.billing.settings import BillingPolicy
from models.billing.suspension_holds import held, record_trust_unlock, unlocked
from models.clock import local_midnight
from models.customers.customer_options import customers_with_option
from models.customers.customers import Customer
from models.db import db, lock_rows
from models.errors import Conflict
from models.notices.notices import SENT, Notice
from models.service.subscription_changes import ENABLE, SUSPEND, apply_change, follow_in_radius
from models.service.subscriptions import ACTIVE, NON_PAYMENT, SUSPENDED, Subscription
from models.settings import current


def overdue_boundary(today: date, days: int, calendar: BusinessCalendar | None = None) -> date:
    """Open receivables due before this date are overdue by more than `days` on `today`.

    Overdue when payable_until(due) < today - days: that is, due on or before the last
    business day before `today - days` (a due date after it moves to that day or later).
    """
    calendar = calendar or business_calendar()
    day = today - timedelta(days=days + 1)
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day + timedelta(days=1)


def _overdue(boundary: date):
    return Subscription.customer_code.in_(overdue_customers(boundary, 0).order_by(None))


SUSPENSION = "suspension"  # the notice kind that announces a suspension and its date


def notice_days() -> int:
    """Calendar days between the suspension notice and the suspension (at least)."""
    return current(BillingPolicy).suspension_notice_days


def suspension_date(written_on: date) -> date:
    """The date a suspension notice written on `written_on` announces."""
    return written_on + timedelta(days=notice_days())


def _announced(today: date, boundary: date):
    """SQL: the customer was sent, on or before today less the notice days, the notice
    announcing the suspension for a receivable still owed and overdue."""
    sent_before = local_midnight(today - timedelta(days=notice_days() - 1))
    return exists().where(
        Notice.customer_code == Subscription.customer_code,
        Notice.kind == SUSPENSION,
        Notice.status == SENT,
        Notice.sent_at < sent_before,
        Receivable.id == Notice.receivable_id,
        Receivable.status.in_(OWED),
        Receivable.due_date < boundary,
    )


def _warnable(today: date):
    """SELECT the active subscriptions the sweep would suspend if their customer owed
    (customers' flag, holds, trust unlocks)."""
    auto = customers_with_option("auto_suspend").order_by(None)
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.status == ACTIVE,
        Subscription.customer_code.in_(auto),
        ~unlocked(Subscription.customer_code, today),
        ~held(Subscription.id, today),
    )


def customers_to_warn(today: date):
    """SELECT the codes of customers whose overdue bills get a suspension notice today."""
    return _warnable(today).with_only_columns(Subscription.customer_code).distinct()


def _suspendable(today: date, boundary: date):
    """SELECT the active subscriptions the sweep must suspend (customers' flag, debt, holds,
    and the suspension notice sent long enough ago)."""
    return _warnable(today).where(_overdue(boundary), _announced(today, boundary))


def _liftable(boundary: date):
    """SELECT the subscriptions suspended for non-payment whose customer owes nothing overdue."""
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.status == SUSPENDED,
        Subscription.suspended_for == NON_PAYMENT,
        ~_overdue(boundary),
    )


def _next_customers(query, after: int, limit: int) -> list[int]:
    codes = query.with_only_columns(Subscription.customer_code).distinct()
    codes = codes.where(Subscription.customer_code > after).order_by(Subscription.customer_code)
    return list(db.session.scalars(codes.limit(limit)))


def customers_to_suspend(today: date, boundary: date, after: int, limit: int) -> list[int]:
    """The next `limit` customers (codes above `after`) with a subscription to suspend."""
    return _next_customers(_suspendable(today, boundary), after, limit)


def customers_to_lift(boundary: date, after: int, limit: int) -> list[int]:
    """The next `limit` customers (codes above `after`) with a suspension to lift."""
    return _next_customers(_liftable(boundary), after, limit)


def _lock_customers(codes: list[int]) -> None:
    """Lock the customers' rows in code order: the claim that makes a parallel sweep wait."""
    lock_rows(Customer, codes)
    query = db.select(Customer.code).where(Customer.code.in_(codes)).order_by(Customer.code)
    db.session.execute(query.with_for_update(of=Customer))


def _change(query, action: str) -> tuple[int, list[int]]:
    """Lock the subscriptions `query` selects, re-check them, and apply `action` to them."""
    ids = sorted({row.id for row in db.session.execute(query)})
    if not ids:
        return 0, []
    lock_rows(Subscription, ids)
    locked = db.session.scalars(
        db.select(Subscription)
        .where(Subscription.id.in_(ids))
        .order_by(Subscription.id)
        .with_for_update(of=Subscription)
        .execution_options(populate_existing=True)
    )
    # Re-selected under the locks: a staff change or a hold that got in first wins.
    still = {row.id for row in db.session.execute(query.where(Subscription.id.in_(ids)))}
    changed = {}
    for subscription in locked:
        if subscription.id in still:
            apply_change(subscription, action, None, NON_PAYMENT)
            changed[subscription.id] = (subscription, action)
    db.session.flush()
    return len(changed), follow_in_radius(changed) if changed else []


def suspend_customers(codes: list[int], today: date, boundary: date) -> tuple[int, list[int]]:
    """Suspend for non-payment what is still due to be; return the count and disconnects owed."""
    _lock_customers(codes)
    query = _suspendable(today, boundary).where(Subscription.customer_code.in_(codes))
    return _change(query, SUSPEND)


def lift_customers(codes: list[int], boundary: date) -> tuple[int, list[int]]:
    """Enable the non-payment suspensions of those customers that no longer owe anything."""
    _lock_customers(codes)
    query = _liftable(boundary).where(Subscription.customer_code.in_(codes))
    return _change(query, ENABLE)


def _suspended_for_non_payment(code: int):
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.customer_code == code,
        Subscription.status == SUSPENDED,
        Subscription.suspended_for == NON_PAYMENT,
    )


def grant_trust_unlock(code: int, until: date, max_days: int, period_days: int):
    """Lift the customer's non-payment suspensions now and keep the sweep off until `until`.

    Refused (409) when nothing is suspended for non-payment: the once-per-period allowance is
    not spent on nothing. Returns the unlock and how many subscriptions were enabled.
    """
    unlock = record_trust_unlock(code, until, max_days, period_days)
    if db.session.execute(_suspended_for_non_payment(code).limit(1)).first() is None:
        raise Conflict(f"Customer {code} has no subscription suspended for non-payment.")
    enabled, _ = _change(_suspended_for_non_payment(code), ENABLE)
    return unlock, enabled
