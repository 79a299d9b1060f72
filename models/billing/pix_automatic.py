"""Pix Automático (API Pix 2.7+): a subscription's recurring authorization (`rec`) at its PSP.

A recurrence is asked for by staff (`request_recurrence`) and made at the PSP by a worker
(`create_recurrence`): a location (`POST /locrec`), then the recurrence (`POST /rec`) naming it.
Journey 2: the customer approves by reading the recurrence's QR code (`pix_code`). Journey 3:
the same QR code, composed with an immediate charge the customer pays to approve (the spec's
`ativacao.dadosJornada.txid`, required for journey 3): its txid is the service's own
(`first_txid`), and the PIX paying it settles the subscription's oldest open bill.

The PSP tells the outcome by `webhookrec` (`{"recs": [...]}`: APROVADA, REJEITADA, EXPIRADA,
CANCELADA); a status only moves forward, so a late or reordered delivery changes nothing.
Cancelling (staff, or the subscription cancelled: beat's sweep, models/service never calls
billing) marks it `cancelling` and a worker PATCHes `/rec/{idRec}` status CANCELADA.

A worker killed between `POST /rec` and its commit leaves at the PSP a recurrence nobody was
shown, so nobody approves it: it expires there. The row stays `pending` and is sent again.

The recurring charges (`cobr`) each bill sends under an approved recurrence:
models/billing/pix_recurring_charges.py.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited
from models.backend import partial
from models.billing.billing_accounts import BillingAccount, default_account
from models.billing.pix import ascii_text, pix_dynamic_code
from models.billing.psp_client import PixApi, PspRejected
from models.billing.psp_connections import active_connection, connection_of
from models.billing.receivables import OWED, Receivable
from models.billing.settings import BoletoSettings
from models.clock import local_today, utcnow
from models.customers.customers import Customer
from models.db import UTCDateTime, db, get_for_update, get_row, is_unique_violation, lock_rows
from models.effects import after_commit
from models.errors import Conflict, Invalid, NotFound
from models.service.plans import Plan
from models.service.subscriptions import CANCELLED as SUBSCRIPTION_CANCELLED
from models.service.subscriptions import Subscription
from models.settings import current

log = logging.getLogger(__name__)

PENDING, CREATED, APPROVED = "pending", "created", "approved"
REJECTED, CANCELLING, CANCELLED, EXPIRED, FAILED = (
    "rejected",
    "cancelling",  # to be cancelled at the PSP (PATCH status CANCELADA)
    "cancelled",
    "expired",
    "failed",  # the PSP refused to create it: `error` says why
)
STATUSES = (PENDING, CREATED, APPROVED, REJECTED, CANCELLING, CANCELLED, EXPIRED, FAILED)
LIVE = (PENDING, CREATED, APPROVED)  # at most one per subscription (a partial unique index)
ENDED = (REJECTED, CANCELLED, EXPIRED, FAILED)
# A status only moves forward: a reordered delivery of an older one changes nothing.
RANK = {PENDING: 0, CREATED: 1, APPROVED: 2, CANCELLING: 3, **dict.fromkeys(ENDED, 4)}
FROM_PSP = {
    "CRIADA": CREATED,
    "APROVADA": APPROVED,
    "REJEITADA": REJECTED,
    "CANCELADA": CANCELLED,
    "EXPIRADA": EXPIRED,
}
JOURNEYS = (2, 3)
CREATE_TASK, CANCEL_TASK = "tasks.pix.create_recurrence", "tasks.pix.cancel_recurrence"
LIVE_INDEX = "uq_pix_recurrences_live_subscription"
RESEND_AFTER = timedelta(seconds=60)
ID_REC = 29  # RecId: [a-zA-Z0-9]{29}


def first_txid_for(recurrence_id: int) -> str:
    """The txid of journey 3's immediate charge: [a-zA-Z0-9]{26,35}, the service's own."""
    return f"PJ{recurrence_id:024d}"


class PixRecurrence(Audited, db.Model):
    """A subscription's Pix Automático authorization at its account's PSP."""

    __tablename__ = "pix_recurrences"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"journey IN {JOURNEYS!r}", name="journey_known"),
        Index(
            LIVE_INDEX,
            "subscription_id",
            unique=True,
            **partial(f"status IN {LIVE!r}"),
        ),
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "attempts", "sent_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    journey: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    id_rec: Mapped[str | None] = mapped_column(String(ID_REC), unique=True)  # the PSP's idRec
    location: Mapped[str | None] = mapped_column(String(77))
    pix_code: Mapped[str | None] = mapped_column(Text)  # the QR code the customer approves by
    # Journey 3: the immediate charge paid to approve, and the bill it settles.
    first_txid: Mapped[str | None] = mapped_column(String(35), unique=True)
    first_receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"))
    error: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Each bill's cobr (models/billing/pix_recurring_charges.py), by due date.
    charges: Mapped[list["PixRecurringCharge"]] = relationship(  # noqa: F821 (by name)
        order_by="PixRecurringCharge.due_date", lazy="selectin", viewonly=True
    )

    def audit_customer_code(self) -> int:
        return self.customer_code


def _account_of(subscription: Subscription) -> int:
    customer = db.session.get(Customer, subscription.customer_code)
    return subscription.billing_account_id or customer.billing_account_id or default_account().id


def live_recurrence(subscription_id: int) -> PixRecurrence | None:
    """The subscription's live recurrence (pending, awaiting approval or approved)."""
    return db.session.scalars(
        db.select(PixRecurrence).where(
            PixRecurrence.subscription_id == subscription_id, PixRecurrence.status.in_(LIVE)
        )
    ).first()


def latest_recurrence(subscription_id: int) -> PixRecurrence:
    """The subscription's latest recurrence, or NotFound."""
    get_row(Subscription, subscription_id, "Subscription")
    recurrence = db.session.scalars(
        db.select(PixRecurrence)
        .where(PixRecurrence.subscription_id == subscription_id)
        .order_by(PixRecurrence.id.desc())
        .limit(1)
    ).first()
    if recurrence is None:
        raise NotFound(f"Subscription {subscription_id} has no Pix Automático.")
    return recurrence


def _oldest_owed(subscription_id: int) -> Receivable | None:
    return db.session.scalars(
        db.select(Receivable)
        .where(Receivable.subscription_id == subscription_id, Receivable.status.in_(OWED))
        .order_by(Receivable.due_date, Receivable.id)
        .limit(1)
    ).first()


def request_recurrence(subscription_id: int, journey: int) -> PixRecurrence:
    """Ask for the subscription's recurring authorization (a worker creates it at the PSP after
    the commit). Conflict when the account has no active PSP connection, the subscription is
    cancelled or already has a live one; journey 3 needs an open bill to pay first."""
    subscription = get_row(Subscription, subscription_id, "Subscription", for_update=True)
    if subscription.status == SUBSCRIPTION_CANCELLED:
        raise Conflict("The subscription is cancelled.", {"subscription": ["Cancelled."]})
    account_id = _account_of(subscription)
    if active_connection(account_id) is None:
        raise Conflict(
            "The subscription's billing account has no active PSP connection.",
            {"billing_account_id": ["No active PSP connection."]},
        )
    if live_recurrence(subscription_id) is not None:
        raise _already_live(subscription_id)
    first = _oldest_owed(subscription_id) if journey == 3 else None
    if journey == 3 and first is None:
        raise Invalid.field("journey", "Journey 3 pays an open bill first: there is none.")
    recurrence = PixRecurrence(
        subscription_id=subscription_id,
        customer_code=subscription.customer_code,
        billing_account_id=account_id,
        journey=journey,
        status=PENDING,
        first_receivable_id=first.id if first else None,
        attempts=0,
        sent_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(recurrence)
            db.session.flush()
    except IntegrityError as error:  # a parallel request won the live slot
        if is_unique_violation(error, LIVE_INDEX):
            raise _already_live(subscription_id) from None
        raise
    if journey == 3:
        recurrence.first_txid = first_txid_for(recurrence.id)
    db.session.flush()
    after_commit(CREATE_TASK, recurrence.id)
    return recurrence


def _already_live(subscription_id: int) -> Conflict:
    return Conflict(
        f"Subscription {subscription_id} already has a Pix Automático authorization.",
        {"subscription": ["Already has a live Pix Automático authorization."]},
    )


def cancel_recurrence(subscription_id: int) -> PixRecurrence:
    """Cancel the subscription's live recurrence (a worker tells the PSP); NotFound if none."""
    get_row(Subscription, subscription_id, "Subscription")
    recurrence = live_recurrence(subscription_id)
    if recurrence is None:
        raise NotFound(f"Subscription {subscription_id} has no live Pix Automático.")
    recurrence = get_for_update(PixRecurrence, recurrence.id)
    _to_cancelling(recurrence)
    return recurrence


def _to_cancelling(recurrence: PixRecurrence) -> None:
    recurrence.status, recurrence.sent_at = CANCELLING, utcnow()
    db.session.flush()
    after_commit(CANCEL_TASK, recurrence.id)


def _rec_body(recurrence: PixRecurrence, loc_id: int) -> dict:
    """The RecSolicitada: the contract (subscription), the payer, monthly from the next bill."""
    subscription = db.session.get(Subscription, recurrence.subscription_id)
    customer = db.session.get(Customer, recurrence.customer_code)
    plan = db.session.get(Plan, subscription.plan_id)
    payer = {"cpf" if len(customer.document) == 11 else "cnpj": customer.document}
    payer["nome"] = ascii_text(customer.name, 140) or str(customer.code)
    owed = _oldest_owed(subscription.id)
    start = max(owed.due_date if owed else subscription.first_due_date, local_today())
    body = {
        "vinculo": {
            "contrato": f"ASSINATURA{subscription.id}",
            "devedor": payer,
            "objeto": ascii_text(plan.name, 35) or "Internet",
        },
        "calendario": {"dataInicial": start.isoformat(), "periodicidade": "MENSAL"},
        "politicaRetentativa": "NAO_PERMITE",
        "loc": loc_id,
    }
    if recurrence.journey == 3:
        body["ativacao"] = {"dadosJornada": {"txid": recurrence.first_txid}}
    return body


def recurrence_code(location: str, account: BillingAccount) -> str:
    """The recurrence's QR code (journey 2): its location in field 80, as the PSP would give
    it in `dadosQR.pixCopiaECola` when it does not."""
    city = current(BoletoSettings).pix_city
    return pix_dynamic_code(None, account.beneficiary_name, city, rec_location=location)


def create_recurrence(recurrence_id: int, api_for=PixApi) -> str | None:
    """Create the pending recurrence at its PSP (locrec, then rec) under the row's lock; its
    status. PspUnavailable propagates (retried; the row stays pending)."""
    recurrence = get_for_update(PixRecurrence, recurrence_id)
    if recurrence is None or recurrence.status != PENDING:
        return recurrence and recurrence.status
    connection = active_connection(recurrence.billing_account_id)
    if connection is None:
        return recurrence.status
    recurrence.attempts += 1
    with api_for(connection.config()) as api:
        return _create(recurrence, connection.pix_key, api)


def _create(recurrence: PixRecurrence, pix_key: str, api) -> str:
    try:
        if recurrence.journey == 3:
            _put_first_charge(api, recurrence, pix_key)
        loc = api.post_locrec()
        remote = api.post_rec(_rec_body(recurrence, loc["id"]))
    except PspRejected as error:
        recurrence.status, recurrence.error = FAILED, str(error)[:300]
        log.warning("Pix Automático %s refused by the PSP: %s", recurrence.id, recurrence.error)
        return recurrence.status
    recurrence.id_rec = remote["idRec"]
    recurrence.location = (remote.get("loc") or {}).get("location") or loc["location"]
    account = db.session.get(BillingAccount, recurrence.billing_account_id)
    recurrence.pix_code = (remote.get("dadosQR") or {}).get("pixCopiaECola") or recurrence_code(
        recurrence.location, account
    )
    _adopt_status(recurrence, remote.get("status", "CRIADA"))
    recurrence.error = None
    return recurrence.status


def _put_first_charge(api, recurrence: PixRecurrence, pix_key: str) -> None:
    """Journey 3's immediate charge (`PUT /cob/{txid}`): the oldest open bill's balance; a
    retry after a killed worker finds it (`GET` first)."""
    if api.get_cob(recurrence.first_txid) is not None:
        return
    receivable = db.session.get(Receivable, recurrence.first_receivable_id)
    customer = db.session.get(Customer, recurrence.customer_code)
    payer = {"cpf" if len(customer.document) == 11 else "cnpj": customer.document}
    payer["nome"] = ascii_text(customer.name, 200) or str(customer.code)
    api.put_cob(
        recurrence.first_txid,
        {
            "calendario": {"expiracao": 86400},
            "devedor": payer,
            "valor": {"original": f"{receivable.balance:.2f}"},
            "chave": pix_key,
            "solicitacaoPagador": f"Fatura {receivable.id} e Pix Automatico",
        },
    )


def _adopt_status(recurrence: PixRecurrence, psp_status: str) -> bool:
    """Move to the PSP's status when it is ahead of ours; whether it moved."""
    status = FROM_PSP.get(psp_status)
    if status is None or RANK[status] <= RANK[recurrence.status]:
        return False
    recurrence.status = status
    return True


def cancel_at_psp(recurrence_id: int, api_for=PixApi) -> str | None:
    """PATCH the recurrence CANCELADA at the PSP (a pending one never reached it); its status."""
    recurrence = get_for_update(PixRecurrence, recurrence_id)
    if recurrence is None or recurrence.status != CANCELLING:
        return recurrence and recurrence.status
    if recurrence.id_rec is None:
        recurrence.status = CANCELLED
        return recurrence.status
    connection = active_connection(recurrence.billing_account_id)
    if connection is None:
        return recurrence.status
    recurrence.attempts += 1
    with api_for(connection.config()) as api:
        return _cancel(recurrence, api)


def _cancel(recurrence: PixRecurrence, api) -> str:
    try:
        remote = api.patch_rec(recurrence.id_rec, {"status": "CANCELADA"})
    except PspRejected as error:  # already ended there (expired, rejected, cancelled)?
        remote = api.get_rec(recurrence.id_rec) or {"status": "CANCELADA"}
        if FROM_PSP.get(remote.get("status")) not in ENDED:
            recurrence.error = str(error)[:300]
            return recurrence.status
    recurrence.status = FROM_PSP.get(remote.get("status"), CANCELLED)
    if recurrence.status not in ENDED:
        recurrence.status = CANCELLED
    recurrence.error = None
    return recurrence.status


def _valid_notice(item) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("idRec"), str)
        and len(item["idRec"]) == ID_REC
        and item["idRec"].isalnum()
        and item.get("status") in FROM_PSP
    )


def receive_recs(account_id: int, items) -> int:
    """A `webhookrec` delivery: each recurrence of the account moves to the status the PSP
    gives, when ahead of ours. Invalid when it is not a list of notices (nothing kept)."""
    if not isinstance(items, list) or not all(_valid_notice(item) for item in items):
        raise Invalid.field("recs", "A list of recurrences, each with its idRec and status.")
    ids = sorted({item["idRec"] for item in items})
    found = {
        r.id_rec: r
        for r in db.session.scalars(
            db.select(PixRecurrence)
            .where(PixRecurrence.id_rec.in_(ids), PixRecurrence.billing_account_id == account_id)
            .order_by(PixRecurrence.id)
            .with_for_update()
        )
    }
    for item in items:
        recurrence = found.get(item["idRec"])
        if recurrence is None:
            log.warning("webhookrec for an unknown recurrence %s", item["idRec"])
        elif _adopt_status(recurrence, item["status"]):
            recurrence.error = None
    db.session.flush()
    return len(items)


def recurrences_to_cancel(limit: int = 1000) -> list[int]:
    """Live recurrences of cancelled subscriptions, now `cancelling` (history kept): their
    ids, for the worker to tell the PSP."""
    s = Subscription.__table__
    gone = db.select(s.c.id).where(
        s.c.id == PixRecurrence.subscription_id, s.c.status == SUBSCRIPTION_CANCELLED
    )
    query = (
        db.select(PixRecurrence)
        .where(PixRecurrence.status.in_(LIVE), gone.exists())
        .order_by(PixRecurrence.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = []
    for recurrence in db.session.scalars(query):
        recurrence.status, recurrence.sent_at = CANCELLING, utcnow()
        ids.append(recurrence.id)
    db.session.flush()
    return ids


def stale_recurrences(limit: int = 1000) -> tuple[list[int], list[int]]:
    """(pending, cancelling) recurrences whose task was lost: sent again (sent_at renewed)."""
    stale = utcnow() - RESEND_AFTER
    query = (
        db.select(PixRecurrence.id, PixRecurrence.status)
        .where(PixRecurrence.status.in_((PENDING, CANCELLING)))
        .where(PixRecurrence.sent_at.is_(None) | (PixRecurrence.sent_at < stale))
        .order_by(PixRecurrence.id)
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    if rows:
        db.session.execute(
            db.update(PixRecurrence)
            .where(PixRecurrence.id.in_([row.id for row in rows]))
            .values(sent_at=utcnow())
        )
    return [r.id for r in rows if r.status == PENDING], [
        r.id for r in rows if r.status == CANCELLING
    ]


FOLLOW_AFTER = timedelta(minutes=30)  # a webhookrec may be lost: the PSP is asked this often
FOLLOW_TASK = "tasks.pix.follow_recurrence"


def recurrences_to_follow(limit: int = 1000) -> list[int]:
    """Recurrences awaiting the customer's approval with no news from the PSP for FOLLOW_AFTER
    (their webhookrec may have been lost): their follow-up is queued (sent_at renewed)."""
    stale = utcnow() - FOLLOW_AFTER
    query = (
        db.select(PixRecurrence.id)
        .where(PixRecurrence.status == CREATED, PixRecurrence.updated_at < stale)
        .where(PixRecurrence.sent_at.is_(None) | (PixRecurrence.sent_at < stale))
        .order_by(PixRecurrence.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            db.update(PixRecurrence).where(PixRecurrence.id.in_(ids)).values(sent_at=utcnow())
        )
    for recurrence_id in ids:
        after_commit(FOLLOW_TASK, recurrence_id)
    return ids


def follow_recurrence(recurrence_id: int) -> str | None:
    """Ask the PSP how a recurrence awaiting approval stands (`GET /rec/{idRec}`) and take its
    status when it is ahead (as its webhookrec would have); the status."""
    recurrence = get_for_update(PixRecurrence, recurrence_id)
    if recurrence is None or recurrence.status != CREATED or recurrence.id_rec is None:
        return recurrence and recurrence.status
    connection = connection_of(recurrence.billing_account_id)
    if connection is None:
        return recurrence.status
    with PixApi(connection.config()) as api:
        remote = api.get_rec(recurrence.id_rec)
    if remote is not None and _adopt_status(recurrence, remote.get("status")):
        recurrence.error = None
    return recurrence.status


def queue(to_create: list[int], to_cancel: list[int]) -> None:
    """Send the workers their recurrences once the current transaction commits."""
    for recurrence_id in to_create:
        after_commit(CREATE_TASK, recurrence_id)
    for recurrence_id in to_cancel:
        after_commit(CANCEL_TASK, recurrence_id)


def begin_sweep() -> None:
    """Beat's sweep starts here: on SQLite it takes the write lock first (a no-op UPDATE), so
    two sweeps at once run one after the other instead of failing; on PostgreSQL the rows'
    locks and the unique keys keep parallel sweeps apart and this does nothing."""
    lock_rows(PixRecurrence, [0])
