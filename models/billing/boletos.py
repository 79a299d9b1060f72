"""Boletos: one per owed receivable and balance paid by boleto, issued once and kept as issued.

`boleto_for(receivable_id)` issues the boleto the first time it is asked (the route, the boleto
e-mail) and returns the same one ever after. Its amount is what is owed: the receivable's
amount, or after a partial payment its balance, which gets a boleto of its own (own nosso
número); (receivable_id, amount) is unique in the database, and the boleto of the first amount
stays as issued. An amount a boleto cannot carry is refused (AmountTooLarge, 409). The
nosso número is drawn (models/boleto_numbers.next_nosso_numero) inside the same savepoint as
the insert, so a parallel caller that loses the race gives its number back and reads the
winner's boleto: no second boleto, no gap in the bank's sequence.

The account a boleto is issued on (`billing_account_id`): the one its receivable's subscription
names, else the one its customer names, else the default; a named account no longer active is
passed over (`named_account`). Each account draws its nosso números from its bank's counter.

The codes are stored as issued (barcode, linha digitável, PIX code): a later change of the
bank settings never changes a boleto a customer already holds. So is `demo`: a boleto issued on
the made-up development account (web/config.py DEMO_BOLETO_ACCOUNT) says so for ever.
"""

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from models.audit import Audited
from models.billing import pix_charges
from models.billing.billing_accounts import BillingAccount, default_account
from models.billing.boleto_banks import bank_for
from models.billing.boleto_codes import format_linha
from models.billing.boleto_numbers import next_nosso_numero, reserve_nosso_numeros
from models.billing.pix import pix_copia_e_cola
from models.billing.receivables import (
    BOLETO_MAX_AMOUNT,
    OWED,
    AmountTooLarge,
    Receivable,
    balance_column,
    balance_is,
    get_receivable,
    pays_by_boleto,
)
from models.billing.settings import BoletoSettings
from models.bulk_history import record_created
from models.clock import local_today, utcnow
from models.customers.customers import Customer
from models.db import UTCDateTime, db, is_unique_violation, upsert
from models.errors import Conflict
from models.service.subscriptions import Subscription
from models.settings import current

# A boleto's state at its bank, as its retornos tell it (null: the bank has said nothing yet).
REGISTERED, REJECTED, SETTLED, WRITTEN_OFF = "registered", "rejected", "settled", "written_off"
RECEIVABLE_UNIQUE = "uq_boletos_receivable_id_amount"
CHUNK = 1000  # boletos per INSERT: 14 values each, under the drivers' parameter limits


def bank_number(nosso_numero: str) -> str:
    """The digits a bank file names a boleto by, whatever padding the layout adds."""
    return nosso_numero.lstrip("0") or "0"


class Boleto(Audited, db.Model):
    """The boleto of one receivable: its nosso número and codes, as issued."""

    __tablename__ = "boletos"
    # One boleto per amount owed: the first for the whole, one for each balance after that.
    __table_args__ = (
        UniqueConstraint("receivable_id", "amount", name=RECEIVABLE_UNIQUE),
        Index("ix_boletos_account_number", "billing_account_id", "bank_number"),  # retornos
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"))
    # The account it was issued on (null: issued before accounts were kept in the database).
    billing_account_id: Mapped[int | None] = mapped_column(ForeignKey("billing_accounts.id"))
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    bank: Mapped[str] = mapped_column(String(3))
    agreement: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(BigInteger)
    nosso_numero: Mapped[str] = mapped_column(String(30))  # as printed, with its check digit
    # The nosso número's digits without check digit or leading zeros: how the bank's remessa
    # and retorno name the boleto (null: issued before remessas).
    bank_number: Mapped[str | None] = mapped_column(String(20))
    # What the bank's retornos said of it last: registered, rejected, settled, written_off.
    bank_state: Mapped[str | None] = mapped_column(String(12))
    bank_note: Mapped[str | None] = mapped_column(String(200))  # its last occurrence, in words
    barcode: Mapped[str] = mapped_column(String(44))
    digitable_line: Mapped[str] = mapped_column(String(47))  # digits only
    pix_code: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Issued on the demonstration account: not payable, and printed as such.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def pix_code_shown(self) -> str | None:
        """The PIX code to pay it with: the dynamic one of the receivable's charge at its PSP
        when that charge is active for this amount, else the static code it was issued with."""
        return pix_charges.code_for(self.receivable_id, self.amount) or self.pix_code

    @property
    def pix_is_dynamic(self) -> bool:
        """Whether the code shown is the PSP charge's (one lookup, not pix_code_shown's two)."""
        return pix_charges.code_for(self.receivable_id, self.amount) is not None

    @property
    def digitable_line_formatted(self) -> str:
        return format_linha(self.digitable_line)


def _pays_by_boleto(customer_code: int) -> bool:
    query = db.select(Customer.code).where(
        Customer.code == customer_code, pays_by_boleto(Customer.code)
    )
    return db.session.scalar(query) is not None


def named_account(receivables) -> ColumnElement:
    """For a select from `receivables` (the table or an alias): the id of the active account
    the receivable's subscription names, else of the one its customer names; null when neither
    names an active one (the default account then)."""
    s, c, a = Subscription.__table__, Customer.__table__, BillingAccount.__table__
    by_subscription = (
        db.select(a.c.id)
        .join_from(s, a, a.c.id == s.c.billing_account_id)
        .where(s.c.id == receivables.c.subscription_id, a.c.active.is_(True))
    )
    by_customer = (
        db.select(a.c.id)
        .join_from(c, a, a.c.id == c.c.billing_account_id)
        .where(c.c.code == receivables.c.customer_code, a.c.active.is_(True))
    )
    return db.func.coalesce(by_subscription.scalar_subquery(), by_customer.scalar_subquery())


def _accounts(named: set[int | None]) -> dict[int | None, BillingAccount]:
    """{id: account} of the accounts `named_account` chose; None: the default."""
    ids = named - {None}
    query = db.select(BillingAccount).where(BillingAccount.id.in_(ids))
    accounts: dict[int | None, BillingAccount] = {a.id: a for a in db.session.scalars(query)}
    if None in named:
        accounts[None] = default_account()
    return accounts


def _sequence_key(billing: BillingAccount, issued: date) -> str:
    """The nosso-número counter of the account's boletos issued on `issued`."""
    return bank_for(billing.bank).sequence_key(billing.bank_account(), issued)


def _existing(receivable_id: int, amount: Decimal) -> Boleto | None:
    query = db.select(Boleto).where(Boleto.receivable_id == receivable_id, Boleto.amount == amount)
    return db.session.scalars(query).first()


def issued_boleto(receivable) -> Boleto | None:
    """The boleto already issued for what the receivable owes, if any: issues none (a preview
    of the e-mail reads it; sending one issues it with boleto_for)."""
    if receivable.status not in OWED:
        return None
    return _existing(receivable.id, receivable.balance)


def _values(receivable, sequence: int, issued: date, billing: BillingAccount) -> dict:
    """The boleto's columns for `receivable` (id, customer_code, balance, due_date), issued on
    `issued` on the `billing` account with the nosso-número `sequence` value drawn for it."""
    settings = current(BoletoSettings)
    account = billing.bank_account()
    amount = receivable.balance
    layout = bank_for(account.bank)
    codes = layout.codes(account, sequence, receivable.due_date, amount, issued=issued)
    pix = None
    if settings.pix_key:
        txid = re.sub(r"[^A-Za-z0-9]", "", codes.nosso_numero_printed)[-25:]
        pix = pix_copia_e_cola(
            settings.pix_key, billing.beneficiary_name, settings.pix_city, amount, txid
        )
    return {
        "receivable_id": receivable.id,
        "billing_account_id": billing.id,
        "customer_code": receivable.customer_code,
        "bank": account.bank,
        "agreement": account.agreement,
        "sequence": sequence,
        "nosso_numero": codes.nosso_numero_printed,
        "bank_number": bank_number(codes.nosso_numero),
        "barcode": codes.barcode,
        "digitable_line": codes.linha_digitavel,
        "pix_code": pix,
        "amount": amount,
        "due_date": receivable.due_date,
        "demo": billing.demo,
    }


def boleto_for(receivable_id: int) -> Boleto:
    """The boleto of what the receivable owes (its balance), issued now if it has none.
    Conflict unless the receivable is owed, and (to issue one) paid by boleto; AmountTooLarge
    when the balance does not fit a boleto. Flushes, never commits.

    A boleto already issued stays valid while its receivable is owed that amount (the bank
    takes it), even if the customer has since chosen another payment method.
    """
    receivable = get_receivable(receivable_id)
    if receivable.status not in OWED:
        raise Conflict(f"Receivable {receivable.id} is {receivable.status}; it has no boleto.")
    if receivable.balance > BOLETO_MAX_AMOUNT:
        raise AmountTooLarge(receivable.id, receivable.balance)
    boleto = _existing(receivable_id, receivable.balance)
    if boleto is not None:
        return boleto
    if not _pays_by_boleto(receivable.customer_code):
        raise Conflict(f"Receivable {receivable.id} is not paid by boleto.")
    r = Receivable.__table__
    named = db.session.scalar(db.select(named_account(r)).where(r.c.id == receivable_id))
    billing, today = _accounts({named})[named], local_today()
    key = _sequence_key(billing, today)
    try:
        with db.session.begin_nested():  # a loser's drawn number goes back with its insert
            sequence = next_nosso_numero(billing.bank, key)
            boleto = Boleto(**_values(receivable, sequence, today, billing))
            db.session.add(boleto)
    except IntegrityError as error:
        if not is_unique_violation(error, RECEIVABLE_UNIQUE):
            raise
        boleto = _existing(receivable_id, receivable.balance)
    return boleto


def issue_boletos(receivable_ids: list[int]) -> int:
    """Issue, set-based, the boletos of those receivables that have none for their balance yet
    (the caller chose owed ones paid by boleto; one too large for a boleto is left out);
    how many were issued. Flushes, never commits.

    Each receivable goes on its account (`named_account`). Each account reserves its numbers
    once, the accounts in one order (bank, counter, id), so parallel callers wait for each
    other's counters and never deadlock. A receivable issued meanwhile by someone else keeps its
    boleto (insert-or-ignore); the nosso número drawn for it here is left unused, a gap the bank
    accepts.
    """
    rows = []
    for start in range(0, len(receivable_ids), CHUNK):
        rows += _to_issue(receivable_ids[start : start + CHUNK])
    if not rows:
        return 0
    groups: dict[int | None, list] = {}
    for row in rows:
        groups.setdefault(row.account_id, []).append(row)
    accounts, today = _accounts(set(groups)), local_today()
    counters = {named: (a.bank, _sequence_key(a, today), a.id) for named, a in accounts.items()}
    issued = 0
    for named in sorted(groups, key=counters.__getitem__):  # one order for every caller
        group, billing = groups[named], accounts[named]
        bank, key, _ = counters[named]
        sequences = reserve_nosso_numeros(bank, key, len(group))
        for start in range(0, len(group), CHUNK):
            chunk = slice(start, start + CHUNK)
            issued += _issue_chunk(group[chunk], sequences[chunk], today, billing)
    return issued


def _to_issue(receivable_ids: list[int]) -> list:
    """Those receivables owed that have no boleto for their balance, with the account each
    goes on (`account_id`, null: the default), in id order."""
    r = Receivable.__table__.c
    balance = balance_column()
    issued = db.select(Boleto.id).where(Boleto.receivable_id == r.id, balance_is(Boleto.amount))
    return db.session.execute(
        db.select(r.id, r.customer_code, balance.label("balance"), r.due_date)
        .add_columns(named_account(Receivable.__table__).label("account_id"))
        .where(r.id.in_(receivable_ids), r.status.in_(OWED))
        .where(balance > 0, balance <= BOLETO_MAX_AMOUNT, ~issued.exists())
        .order_by(r.id)
    ).all()


def _issue_chunk(rows: list, sequences: range, today: date, billing: BillingAccount) -> int:
    """Insert the boletos of `rows` (at most CHUNK) on `billing`, with the numbers reserved."""
    now = utcnow()
    values = [
        _values(row, seq, today, billing) | {"issued_at": now}
        for row, seq in zip(rows, sequences, strict=True)
    ]
    table = Boleto.__table__
    inserted = db.session.scalars(
        upsert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=[table.c.receivable_id, table.c.amount])
        .returning(table.c.id)
    ).all()
    record_created(Boleto, list(inserted))
    return len(inserted)
