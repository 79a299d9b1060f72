"""Retornos: what the bank says happened to an account's boletos, applied exactly once.

`import_return` reads the uploaded file at once (a file that is not right, or not this
account's, is refused whole and nothing is kept), stores it with each occurrence as a pending
row, and queues the worker; `apply_return_chunk` applies the pending rows in line order, a
chunk per transaction (so a worker's memory does not grow with the file, and a chunk redone
after a killed worker finds only what its predecessor left pending):
- entrada confirmada / rejeitada: the boleto's bank state (and the bank's reasons);
- liquidação: the receivable is settled with the amount paid on the payment date, as a typed
  payment is (a partial one leaves a balance; suspension for non-payment is lifted after the
  commit); a liquidação reported again, in this file or another, is recorded as a duplicate
  and settles nothing (unique settlement key: account, nosso número, date, amount);
- baixa and the rest: recorded on the boleto.
An occurrence whose nosso número no boleto of the account has is listed for finance, never
guessed; so is a liquidação of a receivable that no longer owes (paid by hand meanwhile).
"""

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, defer, mapped_column

from models.audit import Audited, current_actor
from models.backend import lock_rows
from models.billing import boletos as boleto_states
from models.billing.billing_accounts import BillingAccount, get_billing_account
from models.billing.boletos import Boleto, bank_number
from models.billing.cnab import returns as files
from models.billing.receivables import Receivable, settle_locked
from models.clock import local_today, utcnow
from models.customers.file_names import display_name
from models.db import JSONType, UTCDateTime, db, flush_or_conflict, get_row, paginate
from models.effects import after_commit
from models.errors import Conflict, Invalid, NotFound

APPLY_TASK = "tasks.billing.apply_return"
QUEUED, APPLYING, DONE, FAILED = "queued", "applying", "done", "failed"
MAX_RESUMES = 5  # a retorno whose application keeps failing stops, for someone to look
CHUNK = 500  # occurrences per transaction
STORE_BATCH = 1000  # occurrence rows per INSERT at import (19 values each)
LISTED = 200  # rejections and unknown nossos números listed in the report; counts say the rest
FILE_UNIQUE = "uq_return_files_billing_account_id"

# What each occurrence did (return_occurrences.outcome).
PENDING = "pending"  # stored at import, not applied yet
APPLIED = "applied"  # the boleto (and for a liquidação its receivable) changed
UNKNOWN = "unknown"  # no boleto of the account has this nosso número
NOT_OWED = "not_owed"  # a liquidação of a receivable that owes nothing (paid meanwhile)
DUPLICATE = "duplicate"  # a liquidação already applied from this or another retorno

BANK_STATE = {
    files.CONFIRMED: boleto_states.REGISTERED,
    files.REJECTED: boleto_states.REJECTED,
    files.SETTLED: boleto_states.SETTLED,
    files.WRITTEN_OFF: boleto_states.WRITTEN_OFF,
}


class ReturnFile(Audited, db.Model):
    """One retorno uploaded for an account, and how applying it went."""

    __tablename__ = "return_files"
    __table_args__ = (UniqueConstraint("billing_account_id", "sha256", name=FILE_UNIQUE),)
    __audit_ignore__ = frozenset(
        {"created_at", "finished_at", "content", "applied", "report", "progressed_at", "resumes"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    file_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    bank: Mapped[str] = mapped_column(String(3))
    layout: Mapped[int] = mapped_column(Integer)
    file_date: Mapped[date | None] = mapped_column(Date)
    file_sequence: Mapped[int | None] = mapped_column(Integer)
    occurrences: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer, default=0)  # progress: occurrences done
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    report: Mapped[dict | None] = mapped_column(JSONType)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last committed chunk (or the import): what beat's sweep measures staleness from.
    progressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumes: Mapped[int] = mapped_column(Integer, default=0)  # times beat sent it again
    error: Mapped[str | None] = mapped_column(String(300))  # why it stopped (failed)


class ReturnOccurrence(db.Model):
    """One occurrence of a retorno as applied: the line, the boleto, what it did."""

    __tablename__ = "return_occurrences"
    __table_args__ = (UniqueConstraint("return_file_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_file_id: Mapped[int] = mapped_column(ForeignKey("return_files.id"))
    line: Mapped[int] = mapped_column(Integer)
    nosso_numero: Mapped[str] = mapped_column(String(20))
    boleto_id: Mapped[int | None] = mapped_column(ForeignKey("boletos.id"), index=True)
    code: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(String(120))
    reasons: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    interest: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    fine: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    rebate: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    fee: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credited: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    credit_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10))
    # A liquidação's identity across files: what makes a second report of it a duplicate.
    settlement_key: Mapped[str | None] = mapped_column(String(80), unique=True)


def _digits(value: str) -> str:
    return value.lstrip("0")


def _check_account(parsed: files.ReturnFile, account: BillingAccount) -> None:
    """The file is this account's: same bank, and the agency, account and convênio the header
    states (those it states) are the account's."""
    if parsed.bank != account.bank:
        raise Invalid.field("file", f"A retorno of bank {parsed.bank}, not {account.bank}.")
    for name in ("agency", "account", "agreement"):
        stated = _digits(getattr(parsed, name))  # zeros: the layout does not state it
        if stated and stated != _digits(getattr(account, name)):
            raise Invalid.field("file", f"The header's {name} {stated} is not this account's.")


AMOUNT_MAX = Decimal("999999999999.99")  # NUMERIC(14,2): the occurrence rows' amounts
AMOUNTS = ("amount", "paid", "interest", "fine", "discount", "rebate", "fee", "credited")


def _check_amounts(occurrences) -> None:
    """Every amount fits a row (a layout's field may hold more digits than any boleto's)."""
    for occurrence in occurrences:
        for name in AMOUNTS:
            if getattr(occurrence, name) > AMOUNT_MAX:
                raise Invalid.field("file", f"line {occurrence.line}: {name} too large")


def import_return(account_id: int, data: bytes, file_name: str) -> ReturnFile:
    """Check and store an uploaded retorno, and queue it for the worker. Invalid (naming the
    line and the reason) when it cannot be read or is not the account's; Conflict when the
    same file was already imported, unless that import failed: then it goes on where it
    stopped. Flushes, never commits."""
    account = get_billing_account(account_id)
    try:
        parsed = files.parse(data)
    except (files.BadReturnFile, ValueError) as error:
        raise Invalid.field("file", str(error)) from None
    _check_account(parsed, account)
    _check_amounts(parsed.occurrences)
    digest = hashlib.sha256(data).hexdigest()
    earlier = db.session.scalars(
        db.select(ReturnFile).where(
            ReturnFile.billing_account_id == account.id, ReturnFile.sha256 == digest
        )
    ).first()
    if earlier is not None and earlier.status == FAILED:  # mended: go on where it stopped
        earlier.status, earlier.error, earlier.resumes = QUEUED, None, 0
        earlier.progressed_at = utcnow()
        db.session.flush()
        after_commit(APPLY_TASK, earlier.id)
        return earlier
    if earlier is not None:
        raise Conflict(f"This file was already imported (retorno {earlier.id}).")
    imported = ReturnFile(
        billing_account_id=account.id,
        file_name=display_name(file_name)[:120] or "retorno",
        sha256=digest,
        content=data,
        bank=parsed.bank,
        layout=parsed.layout,
        file_date=parsed.created_on,
        file_sequence=parsed.sequence,
        occurrences=len(parsed.occurrences),
        uploaded_by=current_actor(db.session).username,
        progressed_at=utcnow(),
    )
    db.session.add(imported)
    # The same file uploaded twice at once: the second insert loses to the unique key.
    flush_or_conflict(FILE_UNIQUE, Conflict("This file is being imported already."))
    _store_occurrences(imported.id, parsed.occurrences)
    after_commit(APPLY_TASK, imported.id)
    return imported


def get_return(account_id: int, return_id: int) -> ReturnFile:
    imported = get_row(ReturnFile, return_id, "Retorno")
    if imported.billing_account_id != account_id:
        raise NotFound(f"Retorno {return_id} not found.")
    return imported


def list_returns(account_id: int, page: int, per_page: int) -> tuple[list[ReturnFile], int]:
    get_billing_account(account_id)
    query = (
        db.select(ReturnFile)
        .where(ReturnFile.billing_account_id == account_id)
        .order_by(ReturnFile.id.desc())
    )
    return paginate(query, page, per_page)


def resume_stale_returns(age: timedelta) -> list[int]:
    """Retornos not applied to the end whose last progress is older than `age` (a lost
    message, a killed worker): the ids to send again. One sent again MAX_RESUMES times
    without finishing is marked failed instead, for finance to look. Flushes."""
    last = db.func.coalesce(ReturnFile.progressed_at, ReturnFile.created_at)
    query = (
        db.select(ReturnFile)
        .where(ReturnFile.status.in_((QUEUED, APPLYING)), last < utcnow() - age)
        .options(defer(ReturnFile.content))
        .order_by(ReturnFile.id)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    again = []
    for imported in db.session.scalars(query):
        imported.resumes += 1
        imported.progressed_at = utcnow()
        if imported.resumes > MAX_RESUMES:
            imported.status = FAILED
            imported.error = f"Stopped after {MAX_RESUMES} attempts; see the worker's log."
        else:
            again.append(imported.id)
    db.session.flush()
    return again


def list_occurrences(return_id: int, outcome: str | None, page: int, per_page: int):
    query = db.select(ReturnOccurrence).where(ReturnOccurrence.return_file_id == return_id)
    if outcome:
        query = query.where(ReturnOccurrence.outcome == outcome)
    return paginate(query.order_by(ReturnOccurrence.line), page, per_page)


def apply_return_chunk(return_id: int, size: int = CHUNK) -> bool:
    """Apply the next `size` pending occurrences of an imported retorno, in line order; whether
    any are left. The last call writes the report. Flushes, never commits."""
    imported = _locked_return(return_id)
    if imported.status in (DONE, FAILED):
        return False
    rows = list(
        db.session.scalars(
            db.select(ReturnOccurrence)
            .where(ReturnOccurrence.return_file_id == return_id)
            .where(ReturnOccurrence.outcome == PENDING)
            .order_by(ReturnOccurrence.line)
            .limit(size)
        )
    )
    if not rows:
        imported.status, imported.finished_at = DONE, utcnow()
        imported.report = _report(return_id)
        db.session.flush()
        return False
    imported.status = APPLYING
    found = _boletos(imported.billing_account_id, rows)
    boletos = [found.get(bank_number(row.nosso_numero)) for row in rows]
    receivables = _lock_receivables(boletos)
    _decide(imported, rows, boletos, receivables)
    for row, boleto in zip(rows, boletos, strict=True):
        _record(row, boleto)
    imported.applied += len(rows)
    imported.progressed_at = utcnow()
    db.session.flush()
    return True


def _locked_return(return_id: int) -> ReturnFile:
    """The retorno's row, locked, without its file (megabytes the worker never needs: the
    occurrences were stored as rows when it was imported)."""
    lock_rows(ReturnFile, [return_id])
    query = (
        db.select(ReturnFile)
        .where(ReturnFile.id == return_id)
        .options(defer(ReturnFile.content))
        .with_for_update(of=ReturnFile)
        .execution_options(populate_existing=True)
    )
    imported = db.session.scalars(query).first()
    if imported is None:
        raise NotFound(f"Retorno {return_id} not found.")
    return imported


def _boletos(account_id: int, rows) -> dict[str, Boleto]:
    """The account's boletos these occurrences name, locked (in id order, so two imports never
    deadlock): a second import reporting the same liquidação waits, then sees it applied."""
    numbers = {bank_number(row.nosso_numero) for row in rows}
    query = (
        db.select(Boleto)
        .where(Boleto.billing_account_id == account_id, Boleto.bank_number.in_(numbers))
        .order_by(Boleto.id)
        .with_for_update()
    )
    return {boleto.bank_number: boleto for boleto in db.session.scalars(query)}


def _lock_receivables(boletos) -> dict[int, Receivable]:
    """Lock the chunk's receivables in one statement, in id order (two retornos never wait on
    each other in a circle)."""
    ids = sorted({boleto.receivable_id for boleto in boletos if boleto is not None})
    if not ids:
        return {}
    lock_rows(Receivable, ids)
    query = (
        db.select(Receivable)
        .where(Receivable.id.in_(ids))
        .order_by(Receivable.id)
        .with_for_update(of=Receivable)
    )
    return {receivable.id: receivable for receivable in db.session.scalars(query)}


def _taken_keys(keys: set[str]) -> set[str]:
    """Those settlement keys already applied (from this file or another)."""
    if not keys:
        return set()
    query = db.select(ReturnOccurrence.settlement_key).where(
        ReturnOccurrence.settlement_key.in_(keys)
    )
    return set(db.session.scalars(query))


def _decide(imported: ReturnFile, rows, boletos, receivables: dict[int, Receivable]) -> None:
    """Each row's outcome (and a liquidação's settlement key); the chunk's liquidações settled
    together (receivables.settle_locked: one flush, one suspension-lift message)."""
    keys = {
        row: _settlement_key(imported, row)
        for row, boleto in zip(rows, boletos, strict=True)
        if boleto is not None and row.kind == files.SETTLED
    }
    taken = _taken_keys(set(keys.values()))
    payments = []
    for row, boleto in zip(rows, boletos, strict=True):
        row.boleto_id = boleto.id if boleto is not None else None
        if boleto is None:
            row.outcome = UNKNOWN
        elif row not in keys:
            row.outcome = APPLIED
        elif keys[row] in taken:
            row.outcome = DUPLICATE
        else:
            taken.add(keys[row])
            row.settlement_key = keys[row]
            paid_on = min(row.occurred_on or local_today(), local_today())
            payments.append((row, (receivables[boleto.receivable_id], paid_on, _paid(row))))
    added = settle_locked([payment for _, payment in payments])
    for (row, _), ok in zip(payments, added, strict=True):
        row.outcome = APPLIED if ok else NOT_OWED  # not owed: paid by hand meanwhile, listed


def _record(row: ReturnOccurrence, boleto: Boleto | None) -> None:
    """The boleto's bank state and note: every occurrence reaches its history, in the bank's
    words (a duplicate liquidação changes nothing)."""
    if boleto is None or row.outcome == DUPLICATE:
        return
    boleto.bank_state = BANK_STATE.get(row.kind, boleto.bank_state)
    boleto.bank_note = f"{row.code} {row.description} {row.reasons}".strip()[:200]


def _settlement_key(imported: ReturnFile, row: ReturnOccurrence) -> str:
    day = row.occurred_on or row.credit_date or imported.file_date
    return f"{imported.billing_account_id}:{bank_number(row.nosso_numero)}:{day}:{_paid(row)}"


def _paid(row: ReturnOccurrence) -> Decimal:
    return row.paid or row.amount


def _stored(return_id: int, occurrence: files.ReturnOccurrence) -> dict:
    """An occurrence as its row, pending until the worker applies it."""
    return {
        "return_file_id": return_id,
        "line": occurrence.line,
        "nosso_numero": occurrence.nosso_numero[:20],
        "code": occurrence.code,
        "kind": occurrence.kind,
        "description": occurrence.description[:120],
        "reasons": "; ".join(occurrence.reasons),
        "amount": occurrence.amount,
        "paid": occurrence.paid,
        "interest": occurrence.interest,
        "fine": occurrence.fine,
        "discount": occurrence.discount,
        "rebate": occurrence.rebate,
        "fee": occurrence.fee,
        "credited": occurrence.credited,
        "occurred_on": occurrence.occurred_on,
        "credit_date": occurrence.credit_date,
        "outcome": PENDING,
    }


def _store_occurrences(return_id: int, occurrences) -> None:
    rows = [_stored(return_id, occurrence) for occurrence in occurrences]
    for start in range(0, len(rows), STORE_BATCH):
        db.session.execute(db.insert(ReturnOccurrence), rows[start : start + STORE_BATCH])


def _report(return_id: int) -> dict:
    """Counts and totals by kind and by outcome; the rejections and unknown nossos números."""
    o = ReturnOccurrence
    rows = db.session.execute(
        db.select(o.kind, o.outcome, db.func.count(), db.func.sum(o.paid), db.func.sum(o.amount))
        .where(o.return_file_id == return_id)
        .group_by(o.kind, o.outcome)
    ).all()
    by_kind: dict[str, dict] = {}
    by_outcome: dict[str, int] = {}
    for kind, outcome, count, paid, amount in rows:
        entry = by_kind.setdefault(kind, {"count": 0, "paid": "0.00", "amount": "0.00"})
        entry["count"] += count
        entry["paid"] = str(Decimal(entry["paid"]) + Decimal(paid or 0))
        entry["amount"] = str(Decimal(entry["amount"]) + Decimal(amount or 0))
        by_outcome[outcome] = by_outcome.get(outcome, 0) + count
    return {
        "by_kind": by_kind,
        "by_outcome": by_outcome,
        "rejections": _listed(o.kind == files.REJECTED, return_id),
        "unknown": _listed(o.outcome == UNKNOWN, return_id),
    }


def _listed(condition, return_id: int) -> list[dict]:
    o = ReturnOccurrence
    query = (
        db.select(o).where(o.return_file_id == return_id, condition).order_by(o.line).limit(LISTED)
    )
    return [
        {
            "line": row.line,
            "nosso_numero": row.nosso_numero,
            "code": row.code,
            "description": row.description,
            "reasons": row.reasons,
            "amount": str(row.amount),
            "paid": str(row.paid),
            "occurred_on": row.occurred_on.isoformat() if row.occurred_on else None,
        }
        for row in db.session.scalars(query)
    ]
