"""NFCom tasks: beat's sweep that finds the bills to invoice and hands invoices to workers,
issuing (sign under a number, then send), and cancelling.

Every step is safe to run any number of times, at once or after a killed worker
(models/fiscal/issuing.py says how): the number and the signed document are committed
together, the claim on an invoice before SEFAZ is called, each answer as it comes.
"""

import logging
from contextlib import ExitStack

from celery import shared_task

from models.clock import utcnow
from models.fiscal import issuing
from models.fiscal.fiscal_settings import fiscal_settings
from models.fiscal.invoices import CANCELLING, TO_SEND, WAITING
from models.fiscal.sefaz_client import Sefaz
from models.fiscal.signing import CertificateError
from tasks.chunks import chunk, commit_in_chunks

log = logging.getLogger(__name__)
PLAN_CHUNK = 5000  # receivables looked at per transaction
BATCH = 25  # invoices per issuing task: a number is taken under one lock for the batch
SWEEP_LIMIT = 5000  # invoices handed out per sweep


@shared_task(name="tasks.fiscal.sweep")
def sweep() -> dict:
    """Make the pending invoices of the new telecom bills, then queue the invoices whose turn
    has come (pending, to send, waiting for SEFAZ, to cancel) in batches."""
    now = utcnow()
    with chunk():
        start = issuing.planning_start()
    made = commit_in_chunks(lambda after: issuing.plan_invoices(after, PLAN_CHUNK, now), start)
    with chunk():
        issuing.advance_planning(start, now)
        to_issue, to_cancel = issuing.due_for_work(now, SWEEP_LIMIT)
    for start in range(0, len(to_issue), BATCH):
        issue_invoices.delay(to_issue[start : start + BATCH])
    for invoice_id in to_cancel:
        cancel_invoice.delay(invoice_id)
    if made or to_issue or to_cancel:
        log.info(
            "NFCom sweep: %d made, %d to issue, %d to cancel", made, len(to_issue), len(to_cancel)
        )
    return {"made": made, "issue": len(to_issue), "cancel": len(to_cancel)}


@shared_task(name="tasks.fiscal.issue_invoices")
def issue_invoices(invoice_ids: list[int]) -> dict:
    """Issue the bills' boletos (one commit), sign the pending ones under their numbers (one
    commit), then for each to send: claim it (a commit), send it, commit the answer. The
    statuses reached."""
    now = utcnow()
    with chunk():
        issuing.issue_boletos_first(invoice_ids)
    with chunk():
        issuing.sign_pending(invoice_ids, now)
        to_send = issuing.to_send(invoice_ids)
    outcome: dict[str, int] = {}
    settings = fiscal_settings()
    with ExitStack() as clients:
        opened: dict[str, Sefaz] = {}  # one client per environment (the invoice's own)
        for position, (invoice_id, environment) in enumerate(to_send):
            try:
                sefaz = opened.get(environment) or clients.enter_context(
                    issuing.open_sefaz(settings, environment, utcnow())
                )
            except CertificateError as error:
                with chunk():
                    issuing.hold_for_certificate(
                        [i for i, _ in to_send[position:]], now, str(error)
                    )
                break
            opened[environment] = sefaz
            with chunk():
                attempt = issuing.claim(invoice_id, TO_SEND, utcnow())
            if attempt is None:
                continue  # another worker holds it, or it moved on
            with chunk():
                status = issuing.send(invoice_id, attempt, sefaz, utcnow())
            outcome[str(status)] = outcome.get(str(status), 0) + 1
            if status == WAITING:  # SEFAZ is not answering: the rest wait without a call each
                with chunk():
                    issuing.postpone([i for i, _ in to_send[position + 1 :]], utcnow())
                break
    return outcome


@shared_task(name="tasks.fiscal.cancel_invoice")
def cancel_invoice(invoice_id: int) -> str | None:
    """Send a cancellation finance asked for; the invoice's status after (None when another
    worker holds it)."""
    now = utcnow()
    with chunk():
        attempt = issuing.claim(invoice_id, (CANCELLING,), now)
        environment = issuing.environment_of(invoice_id)
    if attempt is None:
        return None
    settings = fiscal_settings()
    try:
        sefaz = issuing.open_sefaz(settings, environment, now)
    except CertificateError as error:
        with chunk():
            issuing.hold_for_certificate([invoice_id], now, str(error))
        return CANCELLING
    with sefaz, chunk():
        return issuing.cancel(invoice_id, attempt, sefaz, settings, now)
