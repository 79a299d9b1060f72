"""Pix Automático's recurring charges (`cobr`): one per monthly bill under an approved
recurrence (models/billing/pix_automatic.py), sent only inside the window the rules set.

The window: the ISP's today (models.clock.local_today) is from WINDOW_DAYS[1] (10) to
WINDOW_DAYS[0] (2) days before the bill's due date, both ends included. Beat's sweep
(`plan_recurring`) makes the row of each bill in its window (unique per receivable: two beats
or a retried sweep make one), and a worker sends it (`sync_recurring_charge`, under the row's
lock, `GET /cobr/{txid}` before `PUT`: a duplicated task or a worker killed after the PSP
answered finds its cobr). A row whose window has passed before it was sent is never sent: it
fails, and so does a bill created too late for its window, which never gets a row. Either way
the bill falls back to the boleto/PIX ladder: `plan_charges` gives it a cobv.

Outcomes come by `webhookcobr` (`receive_cobrs`): CONCLUIDA records the PIX as every PIX is
recorded (pix_payments.record_received, once by endToEndId) and the worker settles the bill
through the txid (pix_payments._charges_by_txid knows cobr txids); a debit that did not happen
(REJEITADA, EXPIRADA, CANCELADA, NAO_REALIZADA) marks the charge failed: the bill falls back.
A bill paid another way or cancelled has its cobr cancelled at the PSP.
"""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.billing import pix_payments
from models.billing.billing_accounts import BillingAccount
from models.billing.pix_automatic import APPROVED, PixRecurrence
from models.billing.pix_charges import LIVE as COBV_LIVE
from models.billing.pix_charges import REMOVING, PixCharge
from models.billing.psp_client import PixApi, PspRejected
from models.billing.psp_connections import PspConnection, active_connection, connection_of
from models.billing.receivables import OWED, Receivable, balance_column
from models.clock import local_today, utcnow
from models.db import UTCDateTime, db, get_for_update
from models.effects import after_commit
from models.errors import Invalid

log = logging.getLogger(__name__)

PENDING, ACTIVE, CONCLUDED, FAILED, CANCELLING, CANCELLED = (
    "pending",  # to be sent to the PSP
    "active",  # the PSP holds it (CRIADA, ATIVA): the debit happens on the due date
    "concluded",  # paid
    "failed",  # refused, outside its window, or the debit did not happen: the bill falls back
    "cancelling",  # the bill was paid another way or cancelled: to cancel at the PSP
    "cancelled",
)
STATUSES = (PENDING, ACTIVE, CONCLUDED, FAILED, CANCELLING, CANCELLED)
# While its cobr is one of these, a bill gets no cobv (pix_charges.plan_charges).
HOLDS_BILL = (PENDING, ACTIVE, CONCLUDED, CANCELLING)
WINDOW_DAYS = (2, 10)
FAILED_AT_PSP = ("REJEITADA", "EXPIRADA", "CANCELADA", "NAO_REALIZADA")
HELD_AT_PSP = ("CRIADA", "ATIVA")
SYNC_TASK = "tasks.pix.sync_recurring_charge"
PLAN_CHARGES_TASK = "tasks.pix.plan_charges"
RESEND_AFTER = timedelta(seconds=60)
SWEEP_LIMIT = 1000


def txid_for(receivable_id: int) -> str:
    """The cobr's txid, the service's own: `PR` + 24 digits (26 of [a-zA-Z0-9]), one per bill."""
    return f"PR{receivable_id:024d}"


def in_window(due_date: date, today: date) -> bool:
    """Whether a cobr for `due_date` may be sent on `today` (2 to 10 days before, inclusive)."""
    return WINDOW_DAYS[0] <= (due_date - today).days <= WINDOW_DAYS[1]


class PixRecurringCharge(Audited, db.Model):
    """The cobr of one bill under a subscription's Pix Automático, and its outcome."""

    __tablename__ = "pix_recurring_charges"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),)
    __audit_ignore__ = frozenset({"created_at", "updated_at", "attempts", "sent_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    recurrence_id: Mapped[int] = mapped_column(ForeignKey("pix_recurrences.id"), index=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), unique=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    txid: Mapped[str] = mapped_column(String(35), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    psp_status: Mapped[str | None] = mapped_column(String(20))  # the PSP's last word
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_date: Mapped[date] = mapped_column(Date)
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))  # the PIX that paid it
    error: Mapped[str | None] = mapped_column(String(400))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code


def charges_of(recurrence_id: int) -> list[PixRecurringCharge]:
    return list(
        db.session.scalars(
            db.select(PixRecurringCharge)
            .where(PixRecurringCharge.recurrence_id == recurrence_id)
            .order_by(PixRecurringCharge.due_date, PixRecurringCharge.id)
        )
    )


def holds_bill(receivables, today: date):
    """SQL for pix_charges: the receivable (a select from `receivables`) is, or will be, paid
    by Pix Automático, so it gets no cobv: its cobr is pending, active or concluded, or it has
    none yet and its subscription's approved recurrence will still send it in its window."""
    cobr = db.select(PixRecurringCharge.id).where(
        PixRecurringCharge.receivable_id == receivables.c.id,
        PixRecurringCharge.status.in_(HOLDS_BILL),
    )
    any_cobr = db.select(PixRecurringCharge.id).where(
        PixRecurringCharge.receivable_id == receivables.c.id
    )
    awaited = db.select(PixRecurrence.id).where(
        PixRecurrence.subscription_id == receivables.c.subscription_id,
        PixRecurrence.status == APPROVED,
    )
    last_day = today + timedelta(days=WINDOW_DAYS[0])
    return cobr.exists() | (
        ~any_cobr.exists() & awaited.exists() & (receivables.c.due_date >= last_day)
    )


def plan_recurring(today: date | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    """Make the cobr of each bill in its window, cancel or conclude those whose bill no longer
    owes; the ids of the charges to send (new, to cancel, or whose message was lost)."""
    today = today or local_today()
    _create_in_window(today, limit)
    _follow_bills(limit)
    stale = utcnow() - RESEND_AFTER
    ids = list(
        db.session.scalars(
            db.select(PixRecurringCharge.id)
            .where(PixRecurringCharge.status.in_((PENDING, CANCELLING)))
            .where(PixRecurringCharge.sent_at.is_(None) | (PixRecurringCharge.sent_at < stale))
            .order_by(PixRecurringCharge.id)
            .limit(limit)
        )
    )
    if ids:
        db.session.execute(
            db.update(PixRecurringCharge)
            .where(PixRecurringCharge.id.in_(ids))
            .values(sent_at=utcnow())
        )
    return ids


def _create_in_window(today: date, limit: int) -> int:
    """A pending cobr for each owed bill of a subscription with an approved recurrence whose
    due date is in its window today and that never had one; its live cobv goes (REMOVING)."""
    r = Receivable.__table__
    first, last = today + timedelta(days=WINDOW_DAYS[0]), today + timedelta(days=WINDOW_DAYS[1])
    had = db.select(PixRecurringCharge.id).where(PixRecurringCharge.receivable_id == r.c.id)
    connected = db.select(PspConnection.id).where(
        PspConnection.billing_account_id == PixRecurrence.billing_account_id,
        PspConnection.active.is_(True),
    )
    rows = db.session.execute(
        db.select(r.c.id, r.c.customer_code, r.c.due_date, balance_column().label("balance"))
        .add_columns(PixRecurrence.id.label("recurrence_id"), PixRecurrence.billing_account_id)
        .join(PixRecurrence, PixRecurrence.subscription_id == r.c.subscription_id)
        .where(PixRecurrence.status == APPROVED, connected.exists())
        # Journey 3's first bill is paid by the immediate charge that approved the recurrence.
        .where(
            PixRecurrence.first_receivable_id.is_(None)
            | (PixRecurrence.first_receivable_id != r.c.id)
        )
        .where(r.c.status.in_(OWED), balance_column() > 0, ~had.exists())
        .where(r.c.due_date.between(first, last))
        .order_by(r.c.id)
        .limit(limit)
    ).all()
    made = 0
    for row in rows:
        charge = PixRecurringCharge(
            recurrence_id=row.recurrence_id,
            receivable_id=row.id,
            customer_code=row.customer_code,
            billing_account_id=row.billing_account_id,
            txid=txid_for(row.id),
            status=PENDING,
            amount=row.balance,
            due_date=row.due_date,
            attempts=0,
        )
        try:
            with db.session.begin_nested():  # a second beat made it meanwhile: unique bill
                db.session.add(charge)
                db.session.flush()
        except IntegrityError:
            continue
        _remove_cobv(row.id)
        made += 1
    return made


def _remove_cobv(receivable_id: int) -> None:
    """The bill's live cobv is removed at the PSP: the cobr pays it, not a second code."""
    for charge in db.session.scalars(
        db.select(PixCharge).where(
            PixCharge.receivable_id == receivable_id, PixCharge.status.in_(COBV_LIVE)
        )
    ):
        charge.status, charge.sent_at = REMOVING, None


def _follow_bills(limit: int) -> None:
    """Pending or active cobrs whose bill changed: concluded when their own PIX paid it (a
    lost webhook, settled by reconciliation); else, paid another way, cancelled, or its
    balance or due date changed (a partial payment), cancelled at the PSP: a bill still owed
    then falls back to a cobv of what it owes, never debited for what it no longer does."""
    r = Receivable.__table__
    changed = db.select(r.c.id).where(
        r.c.id == PixRecurringCharge.receivable_id,
        r.c.status.not_in(OWED)
        | (db.func.round(balance_column() * 100) != db.func.round(PixRecurringCharge.amount * 100))
        | (r.c.due_date != PixRecurringCharge.due_date),
    )
    received = pix_payments.ReceivedPix
    own_pix = db.select(received.id).where(
        received.txid == PixRecurringCharge.txid, received.status == pix_payments.APPLIED
    )
    query = (
        db.select(PixRecurringCharge, own_pix.exists().label("paid_by_it"))
        .where(PixRecurringCharge.status.in_((PENDING, ACTIVE)), changed.exists())
        .order_by(PixRecurringCharge.id)
        .limit(limit)
    )
    for charge, paid_by_it in db.session.execute(query).all():
        charge.status = CONCLUDED if paid_by_it else CANCELLING
        charge.sent_at = None


def queue_sync(charge_ids: list[int]) -> None:
    for charge_id in charge_ids:
        after_commit(SYNC_TASK, charge_id)


def _body(charge: PixRecurringCharge, recurrence: PixRecurrence) -> dict:
    """The CobRSolicitada: the recurrence, the due date, the amount and the receiver's account."""
    account = db.session.get(BillingAccount, charge.billing_account_id)
    receiver = {"conta": f"{account.account}{account.account_dv}"[:20], "tipoConta": "CORRENTE"}
    if account.agency:
        receiver["agencia"] = account.agency[-4:]
    return {
        "idRec": recurrence.id_rec,
        "calendario": {"dataDeVencimento": charge.due_date.isoformat()},
        "valor": {"original": f"{charge.amount:.2f}"},
        "ajusteDiaUtil": True,
        "recebedor": receiver,
        "infoAdicional": f"Fatura {charge.receivable_id}",
    }


def sync_recurring_charge(charge_id: int, api_for=PixApi, today: date | None = None) -> str | None:
    """Send the cobr (or its cancellation) to the PSP, once, under the row's lock; its status.
    Never sent outside its window. PspUnavailable propagates (retried; the row stays)."""
    charge = get_for_update(PixRecurringCharge, charge_id)
    if charge is None or charge.status not in (PENDING, CANCELLING):
        return charge and charge.status
    connection = active_connection(charge.billing_account_id)
    if connection is None:
        return charge.status
    charge.attempts += 1
    with api_for(connection.config()) as api:
        return _send(charge, api, today or local_today())


def _send(charge: PixRecurringCharge, api, today: date) -> str:
    remote = api.get_cobr(charge.txid)
    if charge.status == CANCELLING:
        return _cancel(charge, api, remote)
    if remote is not None:  # sent before (a duplicated task, a worker killed after the PUT)
        return _adopt(charge, remote.get("status"))
    recurrence = db.session.get(PixRecurrence, charge.recurrence_id)
    if not in_window(charge.due_date, today):
        return _fail(charge, "Its window passed before it was sent: the bill falls back.")
    if recurrence.status != APPROVED:
        return _fail(charge, f"The recurrence is {recurrence.status}: the bill falls back.")
    try:
        remote = api.put_cobr(charge.txid, _body(charge, recurrence))
    except PspRejected as error:
        log.warning("cobr %s refused by the PSP: %s", charge.txid, error)
        return _fail(charge, str(error))
    return _adopt(charge, remote.get("status", "CRIADA"))


def _fail(charge: PixRecurringCharge, why: str) -> str:
    charge.status, charge.error = FAILED, why[:400]
    after_commit(PLAN_CHARGES_TASK)  # the fallback cobv, without waiting for beat
    return charge.status


def _adopt(charge: PixRecurringCharge, psp_status: str | None) -> str:
    charge.psp_status = psp_status
    if psp_status in HELD_AT_PSP:
        charge.status = ACTIVE
    elif psp_status == "CONCLUIDA":
        charge.status = CONCLUDED
    elif psp_status in FAILED_AT_PSP:
        _fail(charge, f"The PSP has it {psp_status}.")
    return charge.status


def _cancel(charge: PixRecurringCharge, api, remote: dict | None) -> str:
    if remote is not None and remote.get("status") in HELD_AT_PSP:
        remote = api.patch_cobr(charge.txid, {"status": "CANCELADA"})
    status = (remote or {}).get("status")
    charge.psp_status = status
    charge.status = CONCLUDED if status == "CONCLUIDA" else CANCELLED
    return charge.status


def _valid_cobr_notice(item) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("txid"), str)
        and pix_payments.TXID.match(item["txid"]) is not None
        and isinstance(item.get("status"), str)
        and len(item["status"]) <= 20
    )


def _paid_pix(item: dict, charge: PixRecurringCharge) -> list[dict]:
    """The PIX of a CONCLUIDA notice: its `pix` list, or (a PSP that leaves it out) the paid
    attempt's endToEndId for the charge's amount, at the time it was concluded."""
    if item.get("pix"):
        return pix_payments.parse_pix(item["pix"])
    paid = [
        t for t in item.get("tentativas") or [] if isinstance(t, dict) and t.get("status") == "PAGA"
    ]
    if not paid:
        return []
    when = [u.get("data") for u in item.get("atualizacao") or [] if isinstance(u, dict)]
    return pix_payments.parse_pix(
        [
            {
                "endToEndId": paid[-1].get("endToEndId"),
                "txid": charge.txid,
                "valor": f"{charge.amount:.2f}",
                "horario": (when[-1] if when else None) or utcnow().isoformat(),
            }
        ]
    )


def receive_cobrs(account_id: int, items) -> int:
    """A `webhookcobr` delivery: CONCLUIDA records the PIX (once, by endToEndId) for the worker
    to settle the bill; a debit that did not happen fails the charge (the bill falls back).
    Invalid when it is not a list of notices (nothing kept). Delivered again: nothing more."""
    if not isinstance(items, list) or not all(_valid_cobr_notice(item) for item in items):
        raise Invalid.field("cobsr", "A list of recurring charges, each with its txid and status.")
    txids = sorted({item["txid"] for item in items})
    charges = {
        c.txid: c
        for c in db.session.scalars(
            db.select(PixRecurringCharge)
            .where(
                PixRecurringCharge.txid.in_(txids),
                PixRecurringCharge.billing_account_id == account_id,
            )
            .order_by(PixRecurringCharge.id)
            .with_for_update()
        )
    }
    parsed = []
    for item in items:
        charge = charges.get(item["txid"])
        if charge is None:
            log.warning("webhookcobr for an unknown cobr %s", item["txid"])
            continue
        if item["status"] == "CONCLUIDA":
            pix = _paid_pix(item, charge)
            parsed += pix
            charge.status, charge.psp_status = CONCLUDED, "CONCLUIDA"
            charge.end_to_end_id = charge.end_to_end_id or (
                pix[0]["end_to_end_id"] if pix else None
            )
        elif item["status"] in FAILED_AT_PSP and charge.status in (PENDING, ACTIVE):
            charge.psp_status = item["status"]
            _fail(charge, _why(item))
        elif item["status"] == "CANCELADA" and charge.status == CANCELLING:
            charge.status, charge.psp_status = CANCELLED, "CANCELADA"
        elif item["status"] in HELD_AT_PSP and charge.status == PENDING:
            charge.status, charge.psp_status = ACTIVE, item["status"]
    ids = pix_payments.record_received(account_id, parsed, pix_payments.WEBHOOK)
    pix_payments.queue_apply(ids)
    db.session.flush()
    return len(items)


def _why(item: dict) -> str:
    ending = item.get("encerramento") or {}
    reason = ending.get("rejeicao") or ending.get("cancelamento") or {}
    for attempt in item.get("tentativas") or []:
        if isinstance(attempt, dict) and attempt.get("rejeicao"):
            reason = reason or attempt["rejeicao"]
    detail = f": {reason.get('codigo')} {reason.get('descricao')}" if reason else ""
    return f"The debit did not happen ({item['status']}{detail}); the bill falls back."


FOLLOW_TASK = "tasks.pix.follow_recurring_charge"


def charges_to_follow(today: date | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    """Cobrs still active after their due date (the debit's day: its webhookcobr may have been
    lost), not asked about for RESEND_AFTER: their follow-up is queued (sent_at renewed)."""
    stale = utcnow() - RESEND_AFTER
    query = (
        db.select(PixRecurringCharge.id)
        .where(
            PixRecurringCharge.status == ACTIVE,
            PixRecurringCharge.due_date < (today or local_today()),
        )
        .where(PixRecurringCharge.sent_at.is_(None) | (PixRecurringCharge.sent_at < stale))
        .order_by(PixRecurringCharge.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            db.update(PixRecurringCharge)
            .where(PixRecurringCharge.id.in_(ids))
            .values(sent_at=utcnow())
        )
    for charge_id in ids:
        after_commit(FOLLOW_TASK, charge_id)
    return ids


def follow_recurring_charge(charge_id: int) -> str | None:
    """Ask the PSP how a cobr past its due date stands (`GET /cobr/{txid}`) and take what it
    says as its webhookcobr would have brought it (paid: settled once; failed: the bill falls
    back); the status."""
    charge = get_for_update(PixRecurringCharge, charge_id)
    if charge is None or charge.status != ACTIVE:
        return charge and charge.status
    connection = connection_of(charge.billing_account_id)
    if connection is None:
        return charge.status
    with PixApi(connection.config()) as api:
        remote = api.get_cobr(charge.txid)
    if remote is not None and _valid_cobr_notice(remote):
        receive_cobrs(charge.billing_account_id, [remote])
    return charge.status
