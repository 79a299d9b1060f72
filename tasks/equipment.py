"""Billing equipment sales: one task per sale, and a beat sweep for sales whose message was lost.

`bill_sale(sale_id)` is safe to run any number of times, at once or after a killed worker: it
locks the sale, does nothing once it is billed, and what it creates is keyed `sale:{id}` in the
database (models/equipment_sales.py). The sweep re-sends the task for sales still pending a few
minutes after they were made, so a message lost between the commit and a worker costs a delay.
"""

import logging
from datetime import timedelta

from celery import shared_task

from models import equipment_sales

log = logging.getLogger(__name__)
SWEEP_AFTER_SECONDS = 300  # a sale's own task normally bills it within seconds


@shared_task(name="tasks.equipment.bill_sale")
def bill_sale(sale_id: int) -> str:
    """Create the sale's billing events or receivable, once; what became of it."""
    outcome = equipment_sales.bill_sale(sale_id)
    if outcome == "missing":
        log.warning("equipment sale %s does not exist", sale_id)
    return outcome


@shared_task(name="tasks.equipment.sweep_unbilled_sales")
def sweep_unbilled_sales(older_than_seconds: float = SWEEP_AFTER_SECONDS) -> int:
    """Send `bill_sale` again for sales still pending after `older_than_seconds`."""
    ids = equipment_sales.unbilled_sales(timedelta(seconds=older_than_seconds))
    for sale_id in ids:
        bill_sale.delay(sale_id)
    if ids:
        log.warning("equipment sales %s were still unbilled: task sent again", ids)
    return len(ids)
