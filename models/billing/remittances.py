"""Remessas: registering an account's boletos with its bank, one numbered file at a time.

Finance asks for a remessa (`request_remittance`); a worker writes it (`write_remittance`) in
one transaction that takes the account's row lock, so two remessas of one account never hold
the same number, skip one, or hold the same boleto:
- entrada: every boleto issued on the account that no remessa has registered yet;
- pedido de baixa: every boleto registered and not yet withdrawn whose receivable no longer owes
  its amount (cancelled, paid by other means, or superseded by a boleto for a balance), unless
  the bank itself reported it settled or withdrawn.
A boleto's codes never change after issue (a changed amount gets a boleto of its own), so the
service never asks for an alteração de vencimento or de valor: the old boleto is withdrawn and
the new one registered. Each (boleto, occurrence) is unique in the database: a boleto goes into
exactly one remessa for each.
A remessa with nothing to send is marked empty and takes no number; one the bank's layout
cannot carry (say, Santander's código de transmissão missing) is marked failed with the reason,
and takes no number either.

Finance may send a registered boleto's entrada again on purpose (the bank lost it, or rejected
it and the cause is mended): `resend` names the boletos; the item says it was re-sent, and only
the first entrada of each boleto is unique.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, aliased, defer, mapped_column

from models.audit import Audited, current_actor
from models.backend import partial
from models.billing.billing_accounts import BillingAccount, get_billing_account
from models.billing.boletos import REGISTERED, REJECTED, Boleto
from models.billing.cnab import remittance as files
from models.billing.receivables import OWED, Receivable, balance_is
from models.clock import local_now, utcnow
from models.customers.customers import Customer
from models.db import JSONType, UTCDateTime, db, get_row, paginate
from models.effects import after_commit
from models.errors import Conflict, Invalid, NotFound

WRITE_TASK = "tasks.billing.write_remittance"
QUEUED, DONE, EMPTY, FAILED = "queued", "done", "empty", "failed"
MAX_RESUMES = 5  # a remessa whose writing keeps failing stops, for someone to look
ENTRY, CANCEL = files.ENTRY, files.CANCEL


class Remittance(Audited, db.Model):
    """One remessa of an account: asked for, written, downloaded."""

    __tablename__ = "remittances"
    __table_args__ = (UniqueConstraint("billing_account_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    sequence: Mapped[int | None] = mapped_column(Integer)  # the account's remessa number
    layout: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    cancellations: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    resend: Mapped[list | None] = mapped_column(JSONType)  # boleto ids whose entrada goes again
    # Why it could not be written (failed): the account or a payer's data does not fit the
    # bank's layout; nothing was recorded as sent, and the number was not taken.
    error: Mapped[str | None] = mapped_column(String(300))
    resumes: Mapped[int] = mapped_column(Integer, default=0)  # times beat sent it again
    requested_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The file is downloaded, not kept in history.
    __audit_ignore__ = frozenset({"created_at", "finished_at", "content"})


class RemittanceItem(db.Model):
    """A boleto in a remessa, with what the remessa asked for it."""

    __tablename__ = "remittance_items"
    __table_args__ = (
        # Each boleto's first entrada and baixa once; a re-sent entrada is on purpose.
        Index(
            "uq_remittance_items_boleto_occurrence",
            "boleto_id",
            "occurrence",
            unique=True,
            **partial("NOT resent"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    boleto_id: Mapped[int] = mapped_column(ForeignKey("boletos.id"))
    occurrence: Mapped[str] = mapped_column(String(10))  # entry / cancel
    resent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


def request_remittance(account_id: int, resend: list[int] | None = None) -> Remittance:
    """Ask for the account's next remessa (with the entradas of the `resend` boletos again);
    the worker writes it after the commit."""
    account = get_billing_account(account_id)
    if not account.active:
        raise Conflict(f"Billing account {account_id} is inactive.")
    files_supported = files.supported()
    if (account.bank, account.cnab_layout) not in files_supported:
        raise Conflict(
            f"No CNAB {account.cnab_layout} remessa for bank {account.bank}.",
            {"cnab_layout": ["Not supported for this bank."]},
        )
    if resend:
        _check_resend(account.id, resend)
    remittance = Remittance(
        billing_account_id=account.id,
        requested_by=current_actor(db.session).username,
        resend=sorted(set(resend)) if resend else None,
    )
    db.session.add(remittance)
    db.session.flush()
    after_commit(WRITE_TASK, remittance.id)
    return remittance


def _resendable(account_id: int, boleto_ids: list[int]):
    """Those of `boleto_ids` that are the account's, registered, still owed and not settled or
    withdrawn at the bank: what an entrada may be sent again for."""
    return (
        db.select(Boleto)
        .join(Receivable, Receivable.id == Boleto.receivable_id)
        .where(Boleto.id.in_(boleto_ids), Boleto.billing_account_id == account_id, _sent(ENTRY))
        .where(Receivable.status.in_(OWED), balance_is(Boleto.amount), ~_sent(CANCEL))
        .where(or_(Boleto.bank_state.is_(None), Boleto.bank_state.in_((REGISTERED, REJECTED))))
    )


def _check_resend(account_id: int, boleto_ids: list[int]) -> None:
    resendable = _resendable(account_id, boleto_ids).with_only_columns(Boleto.id)
    found = set(db.session.scalars(resendable))
    refused = sorted(set(boleto_ids) - found)
    if refused:
        raise Invalid.field(
            "resend",
            f"Not registered on this account, or no longer owed: {', '.join(map(str, refused))}.",
        )


def get_remittance(account_id: int, remittance_id: int) -> Remittance:
    remittance = get_row(Remittance, remittance_id, "Remittance")
    if remittance.billing_account_id != account_id:
        raise NotFound(f"Remittance {remittance_id} not found.")
    return remittance


def remittance_file(remittance: Remittance) -> tuple[bytes, str]:
    """The file and its name; Conflict while it is not written (or when it held nothing)."""
    if remittance.status != DONE:
        raise Conflict(f"Remittance {remittance.id} is {remittance.status}; it has no file.")
    return remittance.content, remittance.file_name


def resume_stale_remittances(age: timedelta) -> list[int]:
    """Remessas asked for longer than `age` ago and still not written: the ids to send again.
    One sent again MAX_RESUMES times without being written is marked failed. Flushes."""
    query = (
        db.select(Remittance)
        .where(Remittance.status == QUEUED, Remittance.created_at < utcnow() - age)
        .options(defer(Remittance.content))
        .order_by(Remittance.id)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    again = []
    for remittance in db.session.scalars(query):
        remittance.resumes += 1
        if remittance.resumes > MAX_RESUMES:
            remittance.status = FAILED
            remittance.error = f"Stopped after {MAX_RESUMES} attempts; see the worker's log."
        else:
            again.append(remittance.id)
    db.session.flush()
    return again


def list_remittances(account_id: int, page: int, per_page: int) -> tuple[list[Remittance], int]:
    get_billing_account(account_id)
    query = (
        db.select(Remittance)
        .where(Remittance.billing_account_id == account_id)
        .order_by(Remittance.id.desc())
    )
    return paginate(query, page, per_page)


def _sent(occurrence: str):
    item = aliased(RemittanceItem)
    return (
        db.select(item.id)
        .where(item.boleto_id == Boleto.id, item.occurrence == occurrence)
        .exists()
    )


def _live():
    """The boleto is what its receivable still owes (not cancelled, paid, or replaced by a
    boleto of the balance after a partial payment)."""
    return and_(Receivable.status.in_(OWED), balance_is(Boleto.amount))


def _pending_entries(account_id: int):
    """Boletos to register: issued on the account, never registered, and still owed (one no
    longer owed before its first remessa is never sent to the bank at all)."""
    return (
        db.select(Boleto)
        .join(Receivable, Receivable.id == Boleto.receivable_id)
        .where(Boleto.billing_account_id == account_id, Boleto.demo.is_(False), ~_sent(ENTRY))
        .where(_live())
    )


def _pending_cancellations(account_id: int):
    live = _live()
    return (
        db.select(Boleto)
        .join(Receivable, Receivable.id == Boleto.receivable_id)
        .where(Boleto.billing_account_id == account_id, _sent(ENTRY), ~_sent(CANCEL))
        .where(~live, or_(Boleto.bank_state.is_(None), Boleto.bank_state == REGISTERED))
    )


def _payer(customer) -> files.Payer:
    """The payer from a row holding the customer's name, document and address columns."""
    prefix = "billing" if customer.billing_street else "address"
    value = {
        name: getattr(customer, f"{prefix}_{name}") or ""
        for name in ("street", "number", "complement", "district", "city", "state", "cep")
    }
    parts = (value["street"], value["number"], value["complement"])
    street = ", ".join(part for part in parts if part)
    return files.Payer(
        name=customer.name,
        document=customer.document or "",
        address=street,
        district=value["district"],
        cep=value["cep"],
        city=value["city"],
        state=value["state"],
    )


def _item(occurrence: str, row, account) -> files.RemittanceItem:
    return files.RemittanceItem(
        occurrence=occurrence,
        nosso_numero=row.bank_number,
        document_number=str(row.receivable_id),
        issue_date=row.issue_date,
        due_date=row.due_date,
        amount=row.amount,
        payer=_payer(row),
        fine_percent=account.fine_percent,
        interest_per_day=account.interest_per_day(row.amount),
    )


_PAYER_COLUMNS = tuple(
    getattr(Customer, f"{prefix}_{name}")
    for prefix in ("billing", "address")
    for name in ("street", "number", "complement", "district", "city", "state", "cep")
)


def _rows(query):
    """What the file needs of the boletos `query` selects (with their receivable's issue date
    and the payer), by boleto id: plain rows, not ORM objects (100,000 boletos with their
    receivables and customers as objects held a gigabyte)."""
    chosen = query.subquery()
    return db.session.execute(
        db.select(
            chosen.c.id,
            chosen.c.bank_number,
            chosen.c.receivable_id,
            chosen.c.due_date,
            chosen.c.amount,
            Receivable.issue_date,
            Customer.name,
            Customer.document,
            *_PAYER_COLUMNS,
        )
        .join(Receivable, Receivable.id == chosen.c.receivable_id)
        .join(Customer, Customer.code == chosen.c.customer_code)
        .order_by(chosen.c.id)
    ).all()


def write_remittance(remittance_id: int) -> Remittance:
    """Write a queued remessa (the worker): lock the account, take its next number, gather what
    is pending, write the file and record each boleto in it. Run again after it is written (a
    duplicate message), it does nothing. Flushes, never commits."""
    remittance = get_row(Remittance, remittance_id, "Remittance", for_update=True)
    if remittance.status != QUEUED:
        return remittance
    account = get_billing_account(remittance.billing_account_id, for_update=True)
    entries = _rows(_pending_entries(account.id))
    resent = _rows(_resendable(account.id, remittance.resend)) if remittance.resend else []
    cancellations = _rows(_pending_cancellations(account.id))
    remittance.layout, remittance.finished_at = account.cnab_layout, utcnow()
    if not entries and not resent and not cancellations:
        remittance.status = EMPTY
        db.session.flush()
        return remittance
    entries += resent
    items = [_item(ENTRY, row, account) for row in entries]
    items += [_item(CANCEL, row, account) for row in cancellations]
    document = files.RemittanceFile(
        beneficiary=_beneficiary(account),
        layout=account.cnab_layout,
        sequence=account.next_remittance_sequence,
        created_at=local_now(),
        items=tuple(items),
    )
    try:
        remittance.content = files.write(document)
    except ValueError as error:  # data the bank's layout cannot carry: finance must mend it
        remittance.status, remittance.error = FAILED, str(error)[:300]
        db.session.flush()
        return remittance
    remittance.sequence = account.next_remittance_sequence
    account.next_remittance_sequence += 1
    remittance.file_name = files.file_name(document)
    remittance.entries, remittance.cancellations = len(entries), len(cancellations)
    remittance.total = sum((row.amount for row in entries), Decimal("0.00"))
    remittance.status, remittance.finished_at = DONE, utcnow()  # written: the file's time
    db.session.flush()
    again = {row.id for row in resent}
    _record_items(remittance.id, ENTRY, entries, again)
    _record_items(remittance.id, CANCEL, cancellations, set())
    return remittance


def list_items(remittance: Remittance, page: int, per_page: int):
    """What a remessa holds: each boleto with what was asked for it, by boleto."""
    query = (
        db.select(RemittanceItem)
        .where(RemittanceItem.remittance_id == remittance.id)
        .order_by(RemittanceItem.occurrence.desc(), RemittanceItem.boleto_id)
    )
    items, total = paginate(query, page, per_page)
    ids = [item.boleto_id for item in items]
    boletos = {b.id: b for b in db.session.scalars(db.select(Boleto).where(Boleto.id.in_(ids)))}
    return [_shown_item(item, boletos[item.boleto_id]) for item in items], total


def _shown_item(item: RemittanceItem, boleto: Boleto) -> dict:
    return {
        "boleto_id": boleto.id,
        "receivable_id": boleto.receivable_id,
        "nosso_numero": boleto.nosso_numero,
        "amount": boleto.amount,
        "due_date": boleto.due_date,
        "occurrence": item.occurrence,
        "resent": item.resent,
    }


def _record_items(remittance_id: int, occurrence: str, rows, resent: set[int]) -> None:
    values = [
        {
            "remittance_id": remittance_id,
            "boleto_id": row.id,
            "occurrence": occurrence,
            "resent": row.id in resent,
        }
        for row in rows
    ]
    for start in range(0, len(values), 5000):
        db.session.execute(db.insert(RemittanceItem), values[start : start + 5000])


def _beneficiary(account: BillingAccount) -> files.Beneficiary:
    return files.Beneficiary(
        bank=account.bank,
        agency=account.agency,
        agency_dv=account.agency_dv,
        account=account.account,
        account_dv=account.account_dv,
        agreement=account.agreement,
        wallet=account.wallet,
        name=account.beneficiary_name,
        document=account.beneficiary_document or "",
        variation=account.variation,
        station=account.station,
        byte=account.byte,
        transmission_code=account.transmission_code,
    )
