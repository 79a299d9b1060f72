"""Automatic suspension for non-payment: beat's daily sweep, and lifting it when a bill is paid."""

import logging
from datetime import date

from celery import shared_task
from flask import current_app

from models import auto_suspension
from models.clock import local_today
from models.db import db
from tasks.dispatch import send_after_commit
from tasks.radius import send_disconnect

log = logging.getLogger(__name__)
CHUNK = 200  # customers per transaction: their rows stay locked until it commits


def _boundary(today: date) -> date:
    days = current_app.config["BILLING"]["auto_suspend_after_days"]
    return auto_suspension.overdue_boundary(today, days)


def _in_chunks(find, apply, chunk: int) -> int:
    """Find customers page by page (by code) and apply to each page in its own transaction."""
    done, after = 0, 0
    while True:
        codes = find(after, chunk)
        if not codes:
            return done
        count, owed = apply(codes)
        db.session.commit()
        for disconnect_id in owed:
            send_disconnect.delay(disconnect_id)
        done, after = done + count, codes[-1]


@shared_task(name="tasks.suspension.sweep_auto_suspension")
def sweep_auto_suspension(run_date: str | None = None, chunk: int = CHUNK) -> dict:
    """Lift the non-payment suspensions of customers who paid (a lost payment task costs
    nothing), then suspend the subscriptions of customers overdue by more than N days."""
    today = date.fromisoformat(run_date) if run_date else local_today()
    boundary = _boundary(today)
    enabled = _in_chunks(
        lambda after, limit: auto_suspension.customers_to_lift(boundary, after, limit),
        lambda codes: auto_suspension.lift_customers(codes, boundary),
        chunk,
    )
    suspended = _in_chunks(
        lambda after, limit: auto_suspension.customers_to_suspend(today, boundary, after, limit),
        lambda codes: auto_suspension.suspend_customers(codes, today, boundary),
        chunk,
    )
    if enabled or suspended:
        log.info("non-payment sweep of %s: %d suspended, %d enabled", today, suspended, enabled)
    return {"suspended": suspended, "enabled": enabled}


@shared_task(name="tasks.suspension.lift_if_paid")
def lift_if_paid(customer_code: int, requested_by: int | None = None) -> int:
    """Enable the customer's non-payment suspensions at once if nothing overdue remains
    (recorded as done by the system for `requested_by`, who recorded the payment)."""
    enabled, owed = auto_suspension.lift_customers([customer_code], _boundary(local_today()))
    for disconnect_id in owed:
        send_after_commit(send_disconnect, disconnect_id)
    return enabled
