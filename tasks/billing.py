"""Monthly billing, run daily by beat: each day creates the receivables whose time has come."""

import logging
from datetime import date

from celery import shared_task

from models import monthly_billing
from models.clock import local_today
from models.db import db

log = logging.getLogger(__name__)
CHUNK = 5000  # subscriptions per transaction: a killed worker loses at most one chunk's work


@shared_task(name="tasks.billing.run_monthly_billing")
def run_monthly_billing(run_date: str | None = None, chunk: int = CHUNK) -> int:
    """Create the due monthly receivables (as of `run_date`, default today); how many were made.

    Each chunk commits on its own: a worker killed mid-run keeps what it finished, and the next
    run (a retry, tomorrow's beat) creates only what is missing, as the keys are unique.
    """
    today = date.fromisoformat(run_date) if run_date else local_today()
    created = 0
    for month in monthly_billing.months_to_bill(today):
        after: int | None = 0
        while after is not None:
            after, count = monthly_billing.bill_chunk(month, today, after, chunk)
            db.session.commit()
            created += count
    if created:
        log.info("monthly billing of %s: %d receivables created", today, created)
    return created
