"""Reconciliation: asking each PSP for the PIX received, so a lost webhook costs a delay only.

Each active connection keeps `reconciled_until`, the end of the last window asked
(`GET /pix?inicio&fim`, every page). A run asks from there (less an overlap: a PSP may list a PIX
a little after its `horario`: the next run looks back that far again) up to now, one window of
at most a day per transaction,
so the first run after an outage catches up day by day and a killed worker loses one window.
What it finds goes through the same store and worker as the webhooks: a PIX the webhook already
brought is the same row (its endToEndId), so nothing is applied twice.
"""

from datetime import datetime, timedelta

from models.billing import pix_payments
from models.billing.psp_client import PixApi
from models.billing.psp_connections import PspConnection
from models.clock import utcnow
from models.db import db, get_for_update

OVERLAP = timedelta(minutes=10)
WINDOW = timedelta(days=1)
FIRST_LOOK_BACK = timedelta(days=1)  # a new connection: from a day before it was made
PER_PAGE = 100
MAX_PAGES = 1000  # a window listing more than 100,000 PIX is split by the next run


def connections_to_reconcile() -> list[int]:
    """The ids of the active PSP connections."""
    query = db.select(PspConnection.id).where(PspConnection.active.is_(True))
    return list(db.session.scalars(query.order_by(PspConnection.id)))


def reconcile_window(connection_id: int, now: datetime | None = None) -> bool:
    """Ask the PSP for the next window of PIX received and store what it lists (the worker
    applies them after the commit); whether more windows are left to catch up. Locks the
    connection: two beats never ask the same window at once. PspUnavailable propagates (the
    window is asked again next time)."""
    connection = get_for_update(PspConnection, connection_id)
    if connection is None or not connection.active:
        return False
    end_of_all = now or utcnow()
    start = connection.reconciled_until or (connection.created_at - FIRST_LOOK_BACK)
    if start >= end_of_all:
        return False
    inicio, fim = start - OVERLAP, min(start + WINDOW, end_of_all)
    to_apply: list[int] = []
    with PixApi(connection.config()) as api:
        page, pages = 0, 1
        while page < min(pages, MAX_PAGES):
            answer = api.list_pix(inicio, fim, page=page, per_page=PER_PAGE)
            parsed = pix_payments.parse_pix(answer.get("pix") or [])
            to_apply += pix_payments.record_received(
                connection.billing_account_id, parsed, pix_payments.RECONCILIATION
            )
            paging = answer.get("parametros", {}).get("paginacao", {})
            pages = paging.get("quantidadeDePaginas", 1)
            page += 1
    connection.reconciled_until = fim
    pix_payments.queue_apply(sorted(set(to_apply)))
    return fim < end_of_all
