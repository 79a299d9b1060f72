"""Reconciliation: asking each PSP for the PIX received, so a lost webhook costs a delay only.

Each connection keeps `reconciled_until`, the end of the last window asked (`GET /pix?inicio&fim`,
every page). A run asks from there (less an overlap: a PSP may list a PIX a little after its
`horario`, so the next run looks back that far again) up to now, one window of at most a day per
transaction, so the first run after an outage catches up day by day and a killed worker loses one
window. A PIX the PSP lists that cannot be read is counted in the log and left out, never allowed
to stop the window.
What it finds goes through the same store and worker as the webhooks: a PIX the webhook already
brought is the same row (its endToEndId), so nothing is applied twice.
"""

import logging
from datetime import datetime, timedelta

from models.billing import pix_payments
from models.billing.psp_client import PixApi, PspUnavailable
from models.billing.psp_connections import PspConnection
from models.clock import utcnow
from models.db import db, get_for_update

OVERLAP = timedelta(minutes=10)
WINDOW = timedelta(days=1)
SMALLEST_WINDOW = timedelta(minutes=1)
FIRST_LOOK_BACK = timedelta(days=1)  # a new connection: from a day before it was made
PER_PAGE = 100
MAX_PAGES = 1000  # a window listing more is asked again in halves
LIVE_AT_PSP = ("active", "removing")  # models/billing/pix_charges.py: still payable there

log = logging.getLogger(__name__)


def connections_to_reconcile() -> list[int]:
    """The ids of the active PSP connections, and of the inactive ones whose charges may still
    be paid at their PSP (until they are removed there)."""
    charges = db.metadata.tables["pix_charges"]
    payable = db.select(charges.c.id).where(
        charges.c.billing_account_id == PspConnection.billing_account_id,
        charges.c.status.in_(LIVE_AT_PSP),
    )
    query = db.select(PspConnection.id).where(PspConnection.active.is_(True) | payable.exists())
    return list(db.session.scalars(query.order_by(PspConnection.id)))


def _pages(answer: dict) -> int:
    """The page count a PSP reports, refused when it is not a count (a broken answer)."""
    count = answer.get("parametros", {}).get("paginacao", {}).get("quantidadeDePaginas", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 10**6:
        raise PspUnavailable(f"the PSP reported {count!r} pages")
    return count


def reconcile_window(connection_id: int, now: datetime | None = None) -> bool:
    """Ask the PSP for the next window of PIX received and store what it lists (the worker
    applies them after the commit); whether more windows are left to catch up. Locks the
    connection: two beats never ask the same window at once. PspUnavailable propagates (the
    window is asked again next time)."""
    connection = get_for_update(PspConnection, connection_id)
    if connection is None:
        return False
    end_of_all = now or utcnow()
    start = connection.reconciled_until or (connection.created_at - FIRST_LOOK_BACK)
    if start >= end_of_all:
        return False
    inicio, span = start - OVERLAP, min(WINDOW, end_of_all - start)
    to_apply: list[int] = []
    with PixApi(connection.config()) as api:
        while True:  # a window too full to page through whole is asked again in halves
            fim = start + span
            first = api.list_pix(inicio, fim, page=0, per_page=PER_PAGE)
            pages = _pages(first)
            if pages <= MAX_PAGES or span <= SMALLEST_WINDOW:
                break
            span /= 2
        answers = [first]
        for page in range(1, min(pages, MAX_PAGES)):
            answers.append(api.list_pix(inicio, fim, page=page, per_page=PER_PAGE))
    for answer in answers:
        parsed, bad = pix_payments.parse_each(answer.get("pix"))
        if bad:
            log.warning("connection %s: %d PIX listed could not be read", connection_id, bad)
        to_apply += pix_payments.record_received(
            connection.billing_account_id, parsed, pix_payments.RECONCILIATION
        )
    connection.reconciled_until = fim
    pix_payments.queue_apply(sorted(set(to_apply)))
    return fim < end_of_all
