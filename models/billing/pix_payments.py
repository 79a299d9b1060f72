"""PIX received (API Pix `Pix` objects) and their refunds, each applied exactly once.

Every PIX the PSP reports, by webhook or by reconciliation (`GET /pix`), is stored first, keyed
by its endToEndId (unique): the same PIX delivered five times, or by both ways, is one row.
A worker then applies the pending rows under their lock (`apply_received`): the charge its txid
names gives the receivable, which gets the payment (a partial amount leaves a balance); the
suspensions of customers who paid are lifted after the commit. A PIX whose txid no charge has is
`unknown`, one for a receivable no longer owed is `not_owed`: both are listed for finance,
never guessed.

Refunds (devoluções) come inside the PIX they refund (its `devolucoes`): one row each, keyed by
the PIX and the refund's id. A refund that reached DEVOLVIDO takes its amount back from the
receivable its PIX paid (`receivables.refund_locked`), once. Finance may ask for one
(`request_refund`: a PIX for a receivable already paid, say): a worker asks the PSP
(`PUT /pix/{e2eid}/devolucao/{id}`, the id ours, so a retry asks for the same one) and its final
status comes back like any other.
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited, current_actor
from models.billing import pix_charges
from models.billing.pix_charges import PixCharge
from models.billing.psp_client import PixApi, PspRejected, PspUnavailable
from models.billing.psp_connections import active_connection
from models.billing.receivables import Receivable, refund_locked, settle_locked
from models.clock import local_today, utcnow, zone
from models.db import (
    UTCDateTime,
    db,
    get_for_update,
    get_row,
    insert_or_ignore,
    lock_rows,
    paginate,
    upsert,
)
from models.effects import after_commit
from models.errors import Conflict, Invalid

PENDING, APPLIED, UNKNOWN, NOT_OWED = "pending", "applied", "unknown", "not_owed"
STATUSES = (PENDING, APPLIED, UNKNOWN, NOT_OWED)
WEBHOOK, RECONCILIATION = "webhook", "reconciliation"
REFUNDED, NOT_REFUNDED = "DEVOLVIDO", "NAO_REALIZADO"
REFUND_STATUSES = ("EM_PROCESSAMENTO", REFUNDED, NOT_REFUNDED)  # the PSP's
REQUESTED, REFUSED = "requested", "refused"  # ours: asked by finance; refused by the PSP
APPLY_TASK = "tasks.pix.apply_received"
REFUND_TASK = "tasks.pix.send_refund"
RESEND_REFUNDS_AFTER = timedelta(seconds=60)  # and PIX left pending: beat sends them again
E2E = re.compile(r"^[a-zA-Z0-9]{1,35}$")
TXID = re.compile(r"^[a-zA-Z0-9]{1,35}$")
MAX_PIX_PER_DELIVERY = 1000  # a webhook or a page carrying more is refused (400)
APPLY_BATCH = 200  # pending PIX one apply task takes at most (its own, then others waiting)


class ReceivedPix(Audited, db.Model):
    """One PIX received on an account's key, and what it paid."""

    __tablename__ = "pix_received"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),)
    __audit_ignore__ = frozenset({"received_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    txid: Mapped[str | None] = mapped_column(String(35), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the PIX's `horario`
    payer_note: Mapped[str | None] = mapped_column(String(140))  # infoPagador
    source: Mapped[str] = mapped_column(String(16))  # webhook or reconciliation: the first
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"), index=True)
    customer_code: Mapped[int | None] = mapped_column(ForeignKey("customers.code"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    refunds: Mapped[list["PixRefund"]] = relationship(order_by="PixRefund.id", lazy="selectin")

    def audit_customer_code(self) -> int | None:
        return self.customer_code


class PixRefund(Audited, db.Model):
    """A devolução of a received PIX, as the PSP reported it."""

    __tablename__ = "pix_refunds"
    __table_args__ = (UniqueConstraint("received_id", "refund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_id: Mapped[int] = mapped_column(ForeignKey("pix_received.id"), index=True)
    refund_id: Mapped[str] = mapped_column(String(35))  # the devolução's `id`
    rtr_id: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20))
    # When a DEVOLVIDO was taken back from the receivable its PIX paid (if it paid one): once.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_code: Mapped[int | None] = mapped_column(ForeignKey("customers.code"))
    # Asked through the service (null: made at the PSP directly), and why the PSP refused it.
    requested_by: Mapped[str | None] = mapped_column(String(80))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))

    def audit_customer_code(self) -> int | None:
        return self.customer_code


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise ValueError("not a positive amount in cents")
    if amount > Decimal("9999999999.99"):
        raise ValueError("too large")
    return amount


def _instant(value) -> datetime:
    instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError("without time zone")
    return instant


def parse_each(items) -> tuple[list[dict], int]:
    """The PIX of a `GET /pix` page that can be read, and how many could not: a bad item must
    not stop reconciliation (the webhook refuses the whole delivery instead)."""
    parsed, bad = [], 0
    for item in items if isinstance(items, list) else []:
        try:
            parsed.append(_parse_one(item))
        except (KeyError, TypeError, ValueError, AttributeError):
            bad += 1
    return parsed, bad


def parse_pix(items) -> list[dict]:
    """The PIX of a webhook body or a `GET /pix` page as rows (and their refunds); Invalid
    naming the first item that is not one (nothing of the delivery is kept then)."""
    if not isinstance(items, list):
        raise Invalid.field("pix", "A list of Pix.")
    if len(items) > MAX_PIX_PER_DELIVERY:
        raise Invalid.field("pix", f"At most {MAX_PIX_PER_DELIVERY} Pix at a time.")
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(_parse_one(item))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Invalid.field("pix", f"Item {index} is not a Pix: {error}.") from None
    return parsed


def _parse_one(item: dict) -> dict:
    e2e = item["endToEndId"]
    if not isinstance(e2e, str) or not E2E.match(e2e):
        raise ValueError("endToEndId")
    txid = item.get("txid") or None  # "" from some PSPs: no txid
    if txid is not None and (not isinstance(txid, str) or not TXID.match(txid)):
        raise ValueError("txid")
    refunds = []
    for refund in item.get("devolucoes") or []:
        if refund.get("status") not in REFUND_STATUSES:
            raise ValueError("devolucoes.status")
        refunds.append(
            {
                "refund_id": str(refund["id"])[:35],
                "rtr_id": (refund.get("rtrId") or None) and str(refund["rtrId"])[:32],
                "amount": _amount(refund["valor"]),
                "status": refund["status"],
            }
        )
    note = item.get("infoPagador")
    return {
        "end_to_end_id": e2e,
        "txid": txid or None,
        "amount": _amount(item["valor"]),
        "paid_at": _instant(item["horario"]),
        "payer_note": str(note)[:140] if note else None,
        "refunds": refunds,
    }


def record_received(account_id: int, parsed: list[dict], source: str) -> list[int]:
    """Store the PIX (each endToEndId once) and their refunds; the ids of the rows to apply
    (new PIX, and PIX with a refund not yet taken back). Flushes, never commits."""
    if not parsed:
        return []
    now = utcnow()
    parsed = sorted(parsed, key=lambda pix: pix["end_to_end_id"])  # one lock order for all
    rows = [
        {
            "billing_account_id": account_id,
            "source": source,
            "status": PENDING,
            "received_at": now,
            **{k: v for k, v in pix.items() if k != "refunds"},
        }
        for pix in parsed
    ]
    table = ReceivedPix.__table__
    # Rows as parameters, not in the statement: SQLAlchemy then compiles it once and sends
    # the rows in batches of multi-row VALUES (its "insertmanyvalues").
    inserted = db.session.execute(
        upsert(table)
        .on_conflict_do_nothing(index_elements=[table.c.end_to_end_id])
        .returning(table.c.id),
        rows,
    ).all()
    with_refunds = [pix for pix in parsed if pix["refunds"]]
    if len(inserted) == len(parsed) and not with_refunds:
        # Every PIX is new (pending) and none carries a refund: what a webhook usually brings,
        # one statement. A PIX seen before may still be pending or have a refund: below.
        return sorted(row.id for row in inserted)
    ids_by_e2e = dict(
        db.session.execute(
            db.select(ReceivedPix.end_to_end_id, ReceivedPix.id).where(
                ReceivedPix.end_to_end_id.in_([pix["end_to_end_id"] for pix in parsed])
            )
        ).all()
    )
    for pix in with_refunds:
        _record_refunds(ids_by_e2e[pix["end_to_end_id"]], pix["refunds"])
    to_apply = db.select(ReceivedPix.id).where(
        ReceivedPix.id.in_(list(ids_by_e2e.values())),
        (ReceivedPix.status == PENDING)
        | db.select(PixRefund.id)
        .where(
            PixRefund.received_id == ReceivedPix.id,
            PixRefund.status == REFUNDED,
            PixRefund.handled_at.is_(None),
        )
        .exists(),
    )
    return sorted(db.session.scalars(to_apply))


def _record_refunds(received_id: int, refunds: list[dict]) -> None:
    table = PixRefund.__table__
    insert_or_ignore(
        table, [{"received_id": received_id, **r} for r in refunds], ("received_id", "refund_id")
    )
    for refund in refunds:  # a refund still processing may have reached its final status
        db.session.execute(
            db.update(table)
            .where(
                table.c.received_id == received_id,
                table.c.refund_id == refund["refund_id"],
                table.c.status != refund["status"],
                table.c.handled_at.is_(None),
            )
            .values(status=refund["status"], rtr_id=refund["rtr_id"])
        )


def queue_apply(received_ids: list[int]) -> None:
    """Send the worker the rows to apply once the current transaction commits."""
    if received_ids:
        after_commit(APPLY_TASK, received_ids)


def _paid_on(paid_at: datetime) -> date:
    return min(paid_at.astimezone(zone()).date(), local_today())


def apply_received(received_ids: list[int]) -> dict:
    """Apply the pending PIX among `received_ids` (and up to APPLY_BATCH other pending ones)
    to their receivables and take back the refunds of `received_ids`, under the rows' locks,
    exactly once; counts by outcome. Flushes, never commits."""
    lock_rows(ReceivedPix, received_ids)
    pending = list(
        db.session.scalars(
            db.select(ReceivedPix)
            .where(ReceivedPix.id.in_(received_ids), ReceivedPix.status == PENDING)
            .order_by(ReceivedPix.id)
            .with_for_update()
        )
    )
    pending += _other_pending(received_ids, APPLY_BATCH - len(pending))
    counts = {APPLIED: 0, UNKNOWN: 0, NOT_OWED: 0, "refunded": 0}
    charges = _charges_by_txid([pix.txid for pix in pending if pix.txid])
    refunds = _refunds_to_take_back(received_ids)
    refunded_receivables = {pix.receivable_id for _, pix in refunds if pix.receivable_id}
    receivables = _locked_receivables(  # every row this call changes, locked once, in order
        {c.receivable_id for c in charges.values()} | refunded_receivables
    )
    payments, paying, paid_through = [], [], {}
    for pix in pending:
        charge = charges.get(pix.txid)
        if charge is None or charge.billing_account_id != pix.billing_account_id:
            pix.status = UNKNOWN  # another account's txid is not this account's payment
        else:
            receivable = receivables[charge.receivable_id]
            pix.receivable_id, pix.customer_code = receivable.id, receivable.customer_code
            payments.append((receivable, _paid_on(pix.paid_at), pix.amount))
            paying.append(pix)
            paid_through[receivable.id] = charge
        pix.applied_at = utcnow()
    for pix, added in zip(paying, settle_locked(payments), strict=True):
        pix.status = APPLIED if added else NOT_OWED
    pix_charges.after_payments(  # a cobv's; Pix Automático's charges follow their own way
        [(receivables[r], c) for r, c in paid_through.items() if isinstance(c, PixCharge)]
    )
    for pix in pending:
        counts[pix.status] += 1
    counts["refunded"] = _take_back(refunds, receivables)
    db.session.flush()
    return counts


def _other_pending(received_ids: list[int], limit: int) -> list[ReceivedPix]:
    """Up to `limit` more pending PIX, taken along by this task (a burst of webhooks is
    applied in a few transactions instead of one each; their own tasks then find them
    applied). Rows another task has locked are skipped, never waited for: this task already
    holds its own rows, and waits only for receivables, in one order."""
    if limit <= 0:
        return []
    return list(
        db.session.scalars(
            db.select(ReceivedPix)
            .where(ReceivedPix.status == PENDING, ReceivedPix.id.not_in(received_ids))
            .order_by(ReceivedPix.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _charges_by_txid(txids: list[str]) -> dict[str, PixCharge]:
    """{txid: what it charged (its `receivable_id`, `billing_account_id`)}: a cobv, a Pix
    Automático cobr, or journey 3's immediate charge (the recurrence's first bill)."""
    # Pix Automático builds on this module: imported here, no cycle at load.
    from models.billing.pix_automatic import PixRecurrence
    from models.billing.pix_recurring_charges import PixRecurringCharge

    if not txids:
        return {}
    query = db.select(PixCharge).where(PixCharge.txid.in_(txids))
    found = {charge.txid: charge for charge in db.session.scalars(query)}
    query = db.select(PixRecurringCharge).where(PixRecurringCharge.txid.in_(txids))
    found |= {charge.txid: charge for charge in db.session.scalars(query)}
    first = db.select(
        PixRecurrence.first_txid,
        PixRecurrence.first_receivable_id,
        PixRecurrence.billing_account_id,
    ).where(PixRecurrence.first_txid.in_(txids), PixRecurrence.first_receivable_id.is_not(None))
    found |= {
        row.first_txid: SimpleNamespace(
            receivable_id=row.first_receivable_id, billing_account_id=row.billing_account_id
        )
        for row in db.session.execute(first)
    }
    return found


def _locked_receivables(ids: set[int]) -> dict[int, Receivable]:
    if not ids:
        return {}
    ordered = sorted(ids)  # one order for every worker: no deadlock
    lock_rows(Receivable, ordered)
    query = (
        db.select(Receivable)
        .where(Receivable.id.in_(ordered))
        .order_by(Receivable.id)
        .with_for_update(of=Receivable)
        .execution_options(populate_existing=True)
    )
    return {receivable.id: receivable for receivable in db.session.scalars(query)}


def _refunds_to_take_back(received_ids: list[int]) -> list[tuple[PixRefund, ReceivedPix]]:
    """The DEVOLVIDO refunds of those PIX not yet taken back, locked, with their PIX (a PIX
    still pending is applied first, in the same call)."""
    query = (
        db.select(PixRefund, ReceivedPix)
        .join(ReceivedPix, ReceivedPix.id == PixRefund.received_id)
        .where(
            PixRefund.received_id.in_(received_ids),
            PixRefund.status == REFUNDED,
            PixRefund.handled_at.is_(None),
        )
        .order_by(PixRefund.id)
        .with_for_update(of=PixRefund)
    )
    return [(refund, pix) for refund, pix in db.session.execute(query)]


def _take_back(refunds: list, receivables: dict[int, Receivable]) -> int:
    """Reopen what each refund undoes on the receivable its PIX paid: at most what that PIX
    brought less its refunds already taken back (a PSP reporting more takes back no one
    else's payment); a refund of a PIX that paid nothing is only marked handled."""
    taken = {  # per PIX, what earlier calls took back
        pix.id: sum(
            (r.amount for r in pix.refunds if r.status == REFUNDED and r.handled_at is not None),
            Decimal("0.00"),
        )
        for _, pix in refunds
    }
    for refund, pix in refunds:
        refund.handled_at, refund.customer_code = utcnow(), pix.customer_code
        if pix.status != APPLIED or pix.receivable_id not in receivables:
            continue
        amount = min(refund.amount, max(pix.amount - taken[pix.id], Decimal("0.00")))
        taken[pix.id] += amount
        if amount:
            refund_locked(receivables[pix.receivable_id], amount)
    return len(refunds)


def list_received(filters: dict, page: int, per_page: int) -> tuple[list[ReceivedPix], int]:
    """Received PIX, newest first, by status (finance's `unknown` and `not_owed` lists),
    account and customer."""
    query = db.select(ReceivedPix)
    for name in ("status", "billing_account_id", "customer_code"):
        if name in filters:
            query = query.where(getattr(ReceivedPix, name) == filters[name])
    query = query.order_by(ReceivedPix.paid_at.desc(), ReceivedPix.id.desc())
    return paginate(query, page, per_page)


def received_to_apply(older_than: timedelta = RESEND_REFUNDS_AFTER) -> list[int]:
    """PIX still pending a while after they were stored, and PIX with a DEVOLVIDO refund not yet
    taken back: their message was lost, or their worker failed (beat sends them again)."""
    pending = db.select(ReceivedPix.id).where(
        ReceivedPix.status == PENDING, ReceivedPix.received_at < utcnow() - older_than
    )
    refunded = db.select(PixRefund.received_id).where(
        PixRefund.status == REFUNDED, PixRefund.handled_at.is_(None)
    )
    ids = set(db.session.scalars(pending.limit(1000))) | set(
        db.session.scalars(refunded.limit(1000))
    )
    return sorted(ids)


def request_refund(received_id: int, amount: Decimal) -> PixRefund:
    """Ask the PSP to give back `amount` of a PIX received (a worker sends it after the commit):
    never more than what was received less the refunds not refused."""
    pix = get_row(ReceivedPix, received_id, "Received PIX", for_update=True)
    if active_connection(pix.billing_account_id) is None:
        raise Conflict("The account's PSP connection is inactive.", {"received_id": ["Inactive."]})
    counted = [r for r in pix.refunds if r.status not in (NOT_REFUNDED, REFUSED)]
    left = pix.amount - sum((r.amount for r in counted), Decimal("0.00"))
    if not Decimal("0.01") <= amount <= left:
        raise Invalid.field("amount", f"From 0.01 to {left} (received less refunds).")
    actor = current_actor(db.session)
    refund = PixRefund(
        received_id=pix.id,
        refund_id=f"PV{pix.id:012d}D{len(pix.refunds) + 1:03d}",
        amount=amount,
        status=REQUESTED,
        customer_code=pix.customer_code,
        requested_by=actor.username,
        requested_at=utcnow(),
    )
    db.session.add(refund)
    db.session.flush()
    after_commit(REFUND_TASK, refund.id, requested_by=actor.user_id)
    return refund


def send_refund(refund_id: int) -> str | None:
    """Ask the PSP for a refund finance requested (once: the PSP is asked for it by its id
    first); its status. PspUnavailable propagates (retried; the sweep sends it again)."""
    refund = get_for_update(PixRefund, refund_id)
    if refund is None or refund.status != REQUESTED:
        return refund and refund.status
    pix = db.session.get(ReceivedPix, refund.received_id)
    connection = active_connection(pix.billing_account_id)
    if connection is None:
        return refund.status
    try:
        with PixApi(connection.config()) as api:
            remote = api.get_devolucao(pix.end_to_end_id, refund.refund_id)
            if remote is None:
                remote = api.put_devolucao(pix.end_to_end_id, refund.refund_id, refund.amount)
    except PspRejected as error:
        refund.status, refund.error = REFUSED, str(error)[:300]
        return refund.status
    status = remote.get("status")
    if status not in REFUND_STATUSES:
        raise PspUnavailable(f"the PSP answered a refund with status {status!r}")
    refund.status, refund.rtr_id = status, (remote.get("rtrId") or "")[:32] or None
    if refund.status == REFUNDED:
        queue_apply([pix.id])  # taken back like one the PSP reported
    return refund.status


def refunds_to_resend(older_than: timedelta = RESEND_REFUNDS_AFTER) -> list[int]:
    """Refunds still `requested` a while after they were asked for (their message lost)."""
    query = db.select(PixRefund.id).where(
        PixRefund.status == REQUESTED, PixRefund.requested_at < utcnow() - older_than
    )
    return list(db.session.scalars(query.order_by(PixRefund.id).limit(1000)))
