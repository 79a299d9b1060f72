"""PIX charges with due date (API Pix `cobv`): one per owed receivable on an account with a PSP.

The service keeps, per receivable, the charge its PSP should hold (`amount` = the balance,
`due_date`, active or removed) and a worker makes the PSP agree (`sync_charge`):
- the txid is the service's own, from the receivable and a generation
  (`PV` + 20 digits + 4 digits: 26 characters), so a retry, a second worker or a worker killed
  after the PSP answered finds the charge it made (`GET /cobv/{txid}` before `PUT`) instead of
  making a second one;
- a partial payment changes the amount (`PATCH`), a receivable paid another way or cancelled
  removes the charge (`PATCH status=REMOVIDA_PELO_USUARIO_RECEBEDOR`), so nobody pays it twice;
- a receivable reopened by a refund after its charge was concluded gets a new generation.

Beat's `plan_charges` finds the receivables that need a charge or a change (set-based) and
queues the syncs; `sync_charge` is safe to run any number of times. While the PSP is down the
charges wait as `pending` and the sweep sends them again: a boleto printed meanwhile carries the
static code. The dynamic BR Code (`pix_code`) is what the PDF, the e-mails and the API show once
the charge is active for the amount owed.
"""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.billing.billing_accounts import BillingAccount, default_account
from models.billing.pix import ascii_text, pix_dynamic_code
from models.billing.psp_client import PixApi, PspRejected
from models.billing.psp_connections import PspConnection, active_connection, connection_of
from models.billing.receivables import OWED, PAID, Receivable, balance_column
from models.billing.settings import BoletoSettings
from models.clock import local_today, utcnow
from models.customers.customers import Customer
from models.db import UTCDateTime, db, get_for_update, insert_or_ignore
from models.effects import after_commit
from models.settings import current

log = logging.getLogger(__name__)

PENDING, ACTIVE, REMOVING, REMOVED, CONCLUDED, FAILED = (
    "pending",  # the PSP must be told (create, new amount or due date)
    "active",  # the PSP holds it as the row says
    "removing",  # to be removed at the PSP (paid another way, cancelled)
    "removed",
    "concluded",  # paid at the PSP
    "failed",  # the PSP refused it: `error` says why; a change of the receivable tries again
)
STATUSES = (PENDING, ACTIVE, REMOVING, REMOVED, CONCLUDED, FAILED)
LIVE = (PENDING, ACTIVE, FAILED)  # the charge the receivable has now
TO_SEND = (PENDING, REMOVING)
SYNC_TASK = "tasks.pix.sync_charge"
REMOVED_AT_PSP = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
RESEND_AFTER = timedelta(seconds=60)  # a sync normally ends in a second; older: lost, resend
SWEEP_LIMIT = 1000  # charges created or changed per sweep (the next sweep goes on)


def txid_for(receivable_id: int, generation: int) -> str:
    """The charge's txid: [a-zA-Z0-9]{26,35} as the API Pix wants for cobv."""
    return f"PV{receivable_id:020d}{generation:04d}"


class PixCharge(Audited, db.Model):
    """The charge with due date a receivable has at its account's PSP."""

    __tablename__ = "pix_charges"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        UniqueConstraint("receivable_id", "generation"),
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "attempts", "sent_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique (receivable_id, generation).
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"))
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    txid: Mapped[str] = mapped_column(String(35), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_date: Mapped[date] = mapped_column(Date)
    revision: Mapped[int | None] = mapped_column(Integer)  # the PSP's `revisao`
    location: Mapped[str | None] = mapped_column(String(140))
    pix_code: Mapped[str | None] = mapped_column(Text)  # the dynamic BR Code
    error: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last sync queued
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code


def charge_of(receivable_id: int) -> PixCharge | None:
    """The receivable's live charge, if it has one (its latest generation)."""
    return db.session.scalars(
        db.select(PixCharge)
        .where(PixCharge.receivable_id == receivable_id)
        .order_by(PixCharge.generation.desc())
        .limit(1)
    ).first()


def code_for(receivable_id: int, amount: Decimal) -> str | None:
    """The dynamic BR Code to show for paying `amount` of the receivable: its charge's, when
    the PSP holds it active for that amount through an active connection (else the caller
    shows the static code)."""
    charge = charge_of(receivable_id)
    if charge is None or charge.status != ACTIVE or charge.amount != amount:
        return None
    return charge.pix_code if active_connection(charge.billing_account_id) else None


def _accounts_with_psp() -> list[int]:
    """The billing accounts whose PSP connection is active."""
    query = db.select(PspConnection.billing_account_id).where(PspConnection.active.is_(True))
    return list(db.session.scalars(query))


def plan_charges(limit: int = SWEEP_LIMIT) -> list[int]:
    """Bring the charges in line with the receivables and the connections (set-based), and
    return the ids of the charges to send to their PSP: new ones, changed ones, those to
    remove and those whose sync was lost."""
    with_psp = _accounts_with_psp()
    if with_psp:
        _create_missing(with_psp, limit)
    _mark_changes(limit)
    stale = utcnow() - RESEND_AFTER
    connected = db.select(PspConnection.id).where(
        PspConnection.billing_account_id == PixCharge.billing_account_id,
        PspConnection.active.is_(True) | (PixCharge.status == REMOVING),
    )
    due = (
        db.select(PixCharge.id)
        .where(PixCharge.status.in_(TO_SEND), connected.exists())
        .where((PixCharge.sent_at.is_(None)) | (PixCharge.sent_at < stale))
        .order_by(PixCharge.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(
            db.update(PixCharge).where(PixCharge.id.in_(ids)).values(sent_at=utcnow())
        )
    return ids


def _create_missing(with_psp: list[int], limit: int) -> int:
    """A pending charge for each owed receivable of a customer paying by boleto (boleto
    híbrido) whose account has an active PSP connection, and that no charge covers: none is
    live, and none was paid at the PSP with its PIX not yet credited (a webhook on its way)."""
    from models.billing.boletos import named_account  # boletos shows our codes: no cycle at load
    from models.billing.pix_recurring_charges import holds_bill
    from models.billing.receivables import pays_by_boleto

    r = Receivable.__table__
    received = db.metadata.tables["pix_received"]  # models/billing/pix_payments.py
    default_id = default_account().id
    account = db.func.coalesce(named_account(r), default_id)
    credited = db.select(received.c.id).where(
        received.c.txid == PixCharge.txid, received.c.status == "applied"
    )
    live = db.select(PixCharge.id).where(
        PixCharge.receivable_id == r.c.id,
        PixCharge.status.in_((*LIVE, REMOVING))
        | ((PixCharge.status == CONCLUDED) & ~credited.exists()),
    )
    latest = (
        db.select(db.func.coalesce(db.func.max(PixCharge.generation), 0))
        .where(PixCharge.receivable_id == r.c.id)
        .scalar_subquery()
    )
    balance = balance_column()
    rows = db.session.execute(
        db.select(r.c.id, r.c.customer_code, r.c.due_date, balance.label("balance"))
        .add_columns(account.label("account_id"), latest.label("latest"))
        .where(r.c.status.in_(OWED), balance > 0, ~live.exists())
        .where(pays_by_boleto(r.c.customer_code))
        .where(account.in_(list(with_psp)))
        .where(~holds_bill(r, local_today()))  # Pix Automático's cobr pays it
        .order_by(r.c.id)
        .limit(limit)
    ).all()
    values = [
        {
            "receivable_id": row.id,
            "customer_code": row.customer_code,
            "billing_account_id": row.account_id,
            "generation": row.latest + 1,
            "txid": txid_for(row.id, row.latest + 1),
            "status": PENDING,
            "amount": row.balance,
            "due_date": row.due_date,
            "attempts": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for row in rows
    ]
    return insert_or_ignore(PixCharge.__table__, values, ("receivable_id", "generation"))


def _mark_changes(limit: int) -> None:
    """Live charges whose receivable or connection changed: removed when the receivable no
    longer owes or the connection was deactivated, sent again with the new balance or due
    date when those changed."""
    r = Receivable.__table__
    gone = db.select(r.c.id).where(r.c.id == PixCharge.receivable_id, r.c.status.not_in(OWED))
    inactive = db.select(PspConnection.id).where(
        PspConnection.billing_account_id == PixCharge.billing_account_id,
        PspConnection.active.is_(False),
    )
    db.session.execute(
        db.update(PixCharge)
        .where(PixCharge.status.in_(LIVE), gone.exists() | inactive.exists())
        .values(status=REMOVING, sent_at=None)
        .execution_options(synchronize_session=False)
    )
    balance = balance_column()
    changed = db.select(r.c.id).where(
        r.c.id == PixCharge.receivable_id,
        r.c.status.in_(OWED),
        (db.func.round(balance * 100) != db.func.round(PixCharge.amount * 100))
        | (r.c.due_date != PixCharge.due_date),
    )
    ids = list(
        db.session.scalars(
            db.select(PixCharge.id).where(PixCharge.status.in_(LIVE), changed.exists()).limit(limit)
        )
    )
    for charge in db.session.scalars(db.select(PixCharge).where(PixCharge.id.in_(ids))):
        receivable = db.session.get(Receivable, charge.receivable_id)
        charge.amount, charge.due_date = receivable.balance, receivable.due_date
        charge.status, charge.sent_at = PENDING, None


def queue_sync(charge_ids: list[int]) -> None:
    """Send the charges' syncs once the current transaction commits."""
    for charge_id in charge_ids:
        after_commit(SYNC_TASK, charge_id)


def _body(charge: PixCharge, connection: PspConnection) -> dict:
    """The cobv the PSP should hold: amount, due date, fine and interest as the account's
    boletos carry them, and the payer."""
    customer = db.session.get(Customer, charge.customer_code)
    account = db.session.get(BillingAccount, charge.billing_account_id)
    payer = {"cpf" if len(customer.document) == 11 else "cnpj": customer.document}
    payer["nome"] = ascii_text(customer.name, 200) or str(customer.code)
    valor = {"original": f"{charge.amount:.2f}"}
    if account.fine_percent:
        valor["multa"] = {"modalidade": 2, "valorPerc": f"{account.fine_percent:.2f}"}
    if account.interest_percent_month:
        # 3: percent a month, calendar days (the boleto's juros de mora)
        valor["juros"] = {"modalidade": 3, "valorPerc": f"{account.interest_percent_month:.2f}"}
    return {
        "calendario": {
            "dataDeVencimento": charge.due_date.isoformat(),
            "validadeAposVencimento": connection.days_valid_after_due,
        },
        "devedor": payer,
        "valor": valor,
        "chave": connection.pix_key,
        "solicitacaoPagador": f"Fatura {charge.receivable_id}",
    }


def _same(remote: dict, body: dict) -> bool:
    return (
        remote.get("valor", {}).get("original") == body["valor"]["original"]
        and remote.get("calendario", {}).get("dataDeVencimento")
        == body["calendario"]["dataDeVencimento"]
    )


def _adopt(charge: PixCharge, remote: dict, connection: PspConnection) -> None:
    """Keep what the PSP answered: its revision, location and the dynamic BR Code."""
    charge.revision = remote.get("revisao")
    location = (remote.get("loc") or {}).get("location") or remote.get("location")
    charge.location = location
    settings = current(BoletoSettings)
    account = db.session.get(BillingAccount, charge.billing_account_id)
    charge.pix_code = remote.get("pixCopiaECola") or (
        pix_dynamic_code(location, account.beneficiary_name, settings.pix_city)
        if location
        else None
    )


def sync_charge(charge_id: int) -> str | None:
    """Make the PSP hold the charge as the row says (under the row's lock); its status, or
    None when it does not exist. PspUnavailable propagates: the caller retries later and the
    row stays as it was."""
    charge = get_for_update(PixCharge, charge_id)
    if charge is None:
        return None
    connection = connection_of(charge.billing_account_id)
    if charge.status not in TO_SEND or connection is None:
        return charge.status
    if charge.status == PENDING and not connection.active:
        return charge.status  # the next plan removes it
    charge.attempts += 1
    try:
        with PixApi(connection.config()) as api:
            return _sync(charge, connection, api)
    except PspRejected as error:  # not worth retrying: a person must look
        charge.error = str(error)[:300]
        charge.status = REMOVED if charge.status == REMOVING else FAILED
        log.warning("PIX charge %s refused by the PSP: %s", charge.txid, charge.error)
        return charge.status


def _sync(charge: PixCharge, connection: PspConnection, api: PixApi) -> str:
    remote = api.get_cobv(charge.txid)
    if charge.status == REMOVING:
        _remove(charge, api, remote)
        return charge.status
    body = _body(charge, connection)
    if remote is None:
        remote = api.put_cobv(charge.txid, body)
    elif remote.get("status") == "CONCLUIDA":
        charge.status = CONCLUDED  # paid meanwhile: the webhook or reconciliation credits it
        return charge.status
    elif not _same(remote, body):
        remote = api.patch_cobv(
            charge.txid, {"valor": body["valor"], "calendario": body["calendario"]}
        )
    _adopt(charge, remote, connection)
    charge.status, charge.error = ACTIVE, None
    return charge.status


def _remove(charge: PixCharge, api, remote: dict | None) -> None:
    if remote is None:
        charge.status = REMOVED  # never reached the PSP
    elif remote.get("status") == "CONCLUIDA":
        charge.status = CONCLUDED
    elif remote.get("status") == "ATIVA":
        api.patch_cobv(charge.txid, {"status": REMOVED_AT_PSP})
        charge.status = REMOVED
    else:
        charge.status = REMOVED


def after_payments(paid_through: list[tuple[Receivable, PixCharge]]) -> None:
    """The charges of receivables PIX paid, each through the charge given: a receivable now
    paid has that charge concluded and any other live generation removed (nobody pays twice,
    one statement for the batch); one still owing has its live charge sent again with the
    balance."""
    settled = [(r, c) for r, c in paid_through if r.status == PAID]
    for _, charge in settled:
        if charge.status in LIVE:
            charge.status = CONCLUDED
    if settled:
        db.session.flush()
        db.session.execute(
            db.update(PixCharge)
            .where(
                PixCharge.receivable_id.in_([r.id for r, _ in settled]),
                PixCharge.id.not_in([c.id for _, c in settled]),
                PixCharge.status.in_(LIVE),
            )
            .values(status=REMOVING, sent_at=None)
            .execution_options(synchronize_session="fetch")
        )
    for receivable, _ in paid_through:
        if receivable.status in OWED:
            live = charge_of(receivable.id)
            if live is not None and live.status in LIVE and receivable.balance != live.amount:
                live.amount, live.status, live.sent_at = receivable.balance, PENDING, utcnow()
                db.session.flush()
                queue_sync([live.id])
