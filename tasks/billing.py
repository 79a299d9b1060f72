"""Billing tasks: monthly billing, the billing of equipment sales, suspension for non-payment.

Monthly billing, run daily by beat: each day creates the receivables whose time has come.

Billing equipment sales: one task per sale, and a beat sweep for sales whose message was lost.

`bill_sale(sale_id)` is safe to run any number of times, at once or after a killed worker: it
locks the sale, does nothing once it is billed, and what it creates is keyed `sale:{id}` in the
database (models/billing/equipment_sales.py). The sweep re-sends the task for sales still pending a
few minutes after they were made, so a message lost between the commit and a worker costs a delay.

Automatic suspension for non-payment: beat's daily sweep, and lifting it when a bill is paid.

Bank files (remessas written, retornos applied in chunks) and PIX through the PSPs (charges, the
webhooks' inbox, reconciliation, refunds, Pix Automático): see their sections below.
"""

import logging
from datetime import date, timedelta

from celery import shared_task

from models.billing import (
    auto_suspension,
    bank_returns,
    equipment_sales,
    monthly_billing,
    pix_automatic,
    pix_charges,
    pix_inbox,
    pix_payments,
    pix_reconciliation,
    pix_recurring_charges,
    psp_connections,
    remittances,
)
from models.billing.psp_client import PspUnavailable
from models.clock import local_today
from tasks.chunks import chunk as chunk_of_work
from tasks.chunks import commit_in_chunks

log = logging.getLogger(__name__)
BILLING_CHUNK = (
    5000  # subscriptions per transaction: a killed worker loses at most one chunk's work
)


@shared_task(name="tasks.billing.run_monthly_billing")
def run_monthly_billing(run_date: str | None = None, chunk: int = BILLING_CHUNK) -> int:
    """Create the due monthly receivables (as of `run_date`, default today); how many were made.

    Each chunk commits on its own: a worker killed mid-run keeps what it finished, and the next
    run (a retry, tomorrow's beat) creates only what is missing, as the keys are unique.
    """
    today = date.fromisoformat(run_date) if run_date else local_today()
    created = 0
    for month in monthly_billing.months_to_bill(today):
        created += commit_in_chunks(
            lambda after, month=month: monthly_billing.bill_chunk(month, today, after, chunk), 0
        )
    if created:
        log.info("monthly billing of %s: %d receivables created", today, created)
    return created


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


SUSPENSION_CHUNK = 1000  # customers per transaction: their rows stay locked until it commits


def _in_chunks(step: str, today: date, chunk: int) -> int:
    """Find customers page by page (by code) and apply `step` to each page in its own
    transaction; the RFC 5176 requests it owes are sent after that chunk commits."""

    def one_chunk(after: int) -> tuple[int | None, int]:
        codes = auto_suspension.customers_for(step, today, after, chunk)
        if not codes:
            return None, 0
        count, _ = auto_suspension.apply_step(step, codes, today)
        return codes[-1], count

    return commit_in_chunks(one_chunk, 0)


@shared_task(name="tasks.suspension.sweep_auto_suspension")
def sweep_auto_suspension(run_date: str | None = None, chunk: int = SUSPENSION_CHUNK) -> dict:
    """The non-payment ladder's daily sweep: give back what customers paid for (a lost payment
    task costs nothing), then reduce, suspend and terminate what is due, stage by stage."""
    today = date.fromisoformat(run_date) if run_date else local_today()
    with chunk_of_work():
        auto_suspension.refresh_reduced_groups()
    counts = {
        auto_suspension.STEP_RESULTS[step]: _in_chunks(step, today, chunk)
        for step in auto_suspension.STEPS
    }
    if any(counts.values()):
        log.info("non-payment sweep of %s: %s", today, counts)
    return counts


@shared_task(name="tasks.suspension.lift_if_paid")
def lift_if_paid(customer_code: int, requested_by: int | None = None) -> int:
    """Give the customer's full speeds and non-payment suspensions back at once if nothing
    overdue remains (recorded as done by the system for `requested_by`, who recorded the
    payment)."""
    return auto_suspension.lift_paid([customer_code], local_today())


@shared_task(name="tasks.suspension.lift_paid_customers")
def lift_paid_customers(customer_codes: list[int], requested_by: int | None = None) -> int:
    """lift_if_paid for many customers at once (a retorno's or a PIX batch's payers)."""
    return auto_suspension.lift_paid(customer_codes, local_today())


@shared_task(name="tasks.billing.write_remittance")
def write_remittance(remittance_id: int) -> str:
    """Write a queued remessa (one transaction under the account's lock); its status."""
    return remittances.write_remittance(remittance_id).status


@shared_task(name="tasks.billing.apply_return")
def apply_return(return_id: int, chunk: int = bank_returns.CHUNK) -> int:
    """Apply an imported retorno, `chunk` occurrences per transaction, from where an earlier
    run stopped (a killed worker's chunk is redone; its committed ones are not); how many
    transactions it took."""
    return commit_in_chunks(
        lambda _: (0 if bank_returns.apply_return_chunk(return_id, chunk) else None, 1), 0
    )


@shared_task(name="tasks.billing.resume_bank_files")
def resume_bank_files(older_than_seconds: float = SWEEP_AFTER_SECONDS) -> int:
    """Send again the remessas still queued and the retornos still being applied after
    `older_than_seconds` (their message was lost, or their worker killed); both tasks do
    nothing twice."""
    age = timedelta(seconds=older_than_seconds)
    stale_remittances = remittances.resume_stale_remittances(age)
    stale_returns = bank_returns.resume_stale_returns(age)
    for remittance_id in stale_remittances:
        write_remittance.delay(remittance_id)
    for return_id in stale_returns:
        apply_return.delay(return_id)
    if stale_remittances or stale_returns:
        log.warning("remessas %s, retornos %s resumed", stale_remittances, stale_returns)
    return len(stale_remittances) + len(stale_returns)


# PIX through the PSPs (models/billing/pix_charges.py, pix_payments.py, pix_reconciliation.py).
# A PSP that is down (timeout, 5xx) raises PspUnavailable: the task is retried with backoff,
# and beat's sweeps send again what is still pending, so nothing waits on one message.
PSP_RETRY = {
    "autoretry_for": (PspUnavailable,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="tasks.pix.plan_charges")
def plan_pix_charges() -> int:
    """Create, change or remove the receivables' PIX charges as they changed; sends the syncs
    after the commit; how many were sent."""
    charge_ids = pix_charges.plan_charges()
    pix_charges.queue_sync(charge_ids)
    return len(charge_ids)


@shared_task(name="tasks.pix.sync_charge", **PSP_RETRY)
def sync_pix_charge(charge_id: int) -> str | None:
    """Make the PSP hold the charge as the service has it (any number of times: once)."""
    return pix_charges.sync_charge(charge_id)


@shared_task(name="tasks.pix.apply_received")
def apply_received_pix(received_ids: list[int]) -> dict:
    """Apply received PIX and their refunds (any number of times: once)."""
    return pix_payments.apply_received(received_ids)


@shared_task(name="tasks.pix.send_refund", **PSP_RETRY)
def send_pix_refund(refund_id: int, requested_by: int | None = None) -> str | None:
    """Ask the PSP for a refund finance requested (any number of times: once)."""
    return pix_payments.send_refund(refund_id)


@shared_task(name="tasks.pix.reconcile")
def reconcile_pix() -> int:
    """Ask every PSP for the PIX received since its last window, a window per transaction
    until caught up; a PSP that is down, or that answers what cannot be read, is asked again
    next time, and never keeps the others from being asked. How many windows."""
    windows = 0
    for connection_id in pix_reconciliation.connections_to_reconcile():
        try:
            windows += commit_in_chunks(
                lambda _, cid=connection_id: (
                    (0 if pix_reconciliation.reconcile_window(cid) else None),
                    1,
                ),
                0,
            )
        except PspUnavailable as error:
            log.warning("PSP of connection %s down for reconciliation: %s", connection_id, error)
        except Exception:  # a bug or a broken answer: logged, and the next connection goes on
            log.exception("reconciliation of PSP connection %s failed", connection_id)
    return windows


@shared_task(name="tasks.pix.drain_inbox")
def drain_pix_inbox(shard: int) -> int:
    """Store and apply what the webhooks left in the inbox's list `shard`, a batch per
    transaction, one drain per list at a time; how many deliveries."""
    token = pix_inbox.take_lock(shard)
    if token is None:
        return 0  # another drain is at it, and goes on until the list is empty
    try:
        drained = commit_in_chunks(
            lambda _: (0, count) if (count := pix_inbox.drain_batch(shard)) else (None, 0), 0
        )
    finally:
        left = pix_inbox.release_lock(shard, token)
    if left:  # delivered while this drain was ending
        drain_pix_inbox.delay(shard)
    return drained


@shared_task(name="tasks.pix.resume")
def resume_pix() -> int:
    """Send again what a lost message or a failed worker left: the webhooks' inbox, PIX received
    still pending, refunds reported DEVOLVIDO not yet taken back, refunds requested not yet
    sent. How many."""
    for shard in range(pix_inbox.SHARDS):
        drain_pix_inbox.delay(shard)
    received = pix_payments.received_to_apply()
    if received:
        pix_payments.queue_apply(received)
    refunds = pix_payments.refunds_to_resend()
    for refund_id in refunds:
        send_pix_refund.delay(refund_id)
    return len(received) + len(refunds)


@shared_task(name="tasks.pix.register_webhook", **PSP_RETRY)
def register_pix_webhook(account_id: int, requested_by: int | None = None) -> str:
    """Register the account's webhook with its PSP under a new secret."""
    return psp_connections.register_webhook(account_id)


# Pix Automático (models/billing/pix_automatic.py, pix_recurring_charges.py): recurrences made
# and cancelled at the PSP, each bill's cobr sent inside its window, by beat's one sweep.


@shared_task(name="tasks.pix.plan_automatic")
def plan_pix_automatic() -> dict:
    """Cancel the recurrences of cancelled subscriptions, make each bill's cobr in its window,
    follow bills paid or cancelled, and send again what a lost message left; counts."""
    pix_automatic.begin_sweep()
    cancel = pix_automatic.recurrences_to_cancel()
    create, cancel_again = pix_automatic.stale_recurrences()
    charges = pix_recurring_charges.plan_recurring()
    pix_automatic.queue(create, sorted(set(cancel) | set(cancel_again)))
    pix_recurring_charges.queue_sync(charges)
    followed = pix_automatic.recurrences_to_follow()  # their webhooks may have been lost
    followed += pix_recurring_charges.charges_to_follow()
    return {
        "created": len(create),
        "cancelled": len(cancel),
        "charges": len(charges),
        "followed": len(followed),
    }


@shared_task(name="tasks.pix.create_recurrence", **PSP_RETRY)
def create_pix_recurrence(recurrence_id: int) -> str | None:
    """Create the recurrence at its PSP (locrec + rec); once."""
    return pix_automatic.create_recurrence(recurrence_id)


@shared_task(name="tasks.pix.cancel_recurrence", **PSP_RETRY)
def cancel_pix_recurrence(recurrence_id: int) -> str | None:
    """Cancel the recurrence at its PSP (PATCH /rec status CANCELADA); once."""
    return pix_automatic.cancel_at_psp(recurrence_id)


@shared_task(name="tasks.pix.follow_recurrence", **PSP_RETRY)
def follow_pix_recurrence(recurrence_id: int) -> str | None:
    """Ask the PSP how a recurrence awaiting approval stands (a lost webhookrec)."""
    return pix_automatic.follow_recurrence(recurrence_id)


@shared_task(name="tasks.pix.follow_recurring_charge", **PSP_RETRY)
def follow_pix_recurring_charge(charge_id: int) -> str | None:
    """Ask the PSP how a cobr past its due date stands (a lost webhookcobr)."""
    return pix_recurring_charges.follow_recurring_charge(charge_id)


@shared_task(name="tasks.pix.sync_recurring_charge", **PSP_RETRY)
def sync_pix_recurring_charge(charge_id: int) -> str | None:
    """Send the bill's cobr (inside its window only) or its cancellation; once."""
    return pix_recurring_charges.sync_recurring_charge(charge_id)
