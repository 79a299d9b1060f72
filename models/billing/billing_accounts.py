"""Billing accounts (carteiras de cobrança): the ISP's collection contracts with its banks.

Admins keep them in the database; one is the default, and a customer or a subscription may name
another. A boleto records the account it was issued on (its codes never change after issue).
Until an admin adds one, the first account is seeded from the BOLETO_* settings
(`default_account`), so a new installation issues boletos as before.

Each account numbers its remessas (`next_remittance_sequence`): models/billing/remittances.py
draws them under the row's lock, so two jobs never write the same number or skip one.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Index, Integer, Numeric, String, Text, false, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.backend import partial_on_flag
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.cnab import remittance, returns
from models.billing.settings import BoletoSettings
from models.clock import local_today, utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_row, is_unique_violation
from models.errors import Conflict, Invalid
from models.settings import current

LAYOUTS = (240, 400)
NAME_UNIQUE = "uq_billing_accounts_name"
DEFAULT_UNIQUE = "uq_billing_accounts_default"
SEED_NAME = "Conta principal"


class BillingAccount(Audited, db.Model):
    """One collection contract: the bank, the account, and how boletos on it are registered."""

    __tablename__ = "billing_accounts"
    __table_args__ = (
        # At most one default account, enforced by the database (both backends).
        Index(DEFAULT_UNIQUE, "is_default", unique=True, **partial_on_flag("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # how staff call it
    bank: Mapped[str] = mapped_column(String(3))
    agency: Mapped[str] = mapped_column(String(5))
    agency_dv: Mapped[str] = mapped_column(String(1), default="", server_default="")
    account: Mapped[str] = mapped_column(String(12))
    account_dv: Mapped[str] = mapped_column(String(1), default="", server_default="")
    agreement: Mapped[str] = mapped_column(String(20), default="", server_default="")
    wallet: Mapped[str] = mapped_column(String(3))
    variation: Mapped[str] = mapped_column(String(3), default="", server_default="")
    station: Mapped[str] = mapped_column(String(2), default="", server_default="")
    byte: Mapped[str] = mapped_column(String(1), default="", server_default="")
    # Santander's código de transmissão, which its remessas carry instead of the convênio.
    transmission_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    beneficiary_name: Mapped[str] = mapped_column(String(120))
    beneficiary_document: Mapped[str | None] = mapped_column(String(14))
    beneficiary_address: Mapped[str | None] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    fine_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    interest_percent_month: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    cnab_layout: Mapped[int] = mapped_column(Integer, default=400)
    next_remittance_sequence: Mapped[int] = mapped_column(Integer, default=1)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Seeded from the made-up development account: boletos on it are not payable.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def bank_account(self) -> BankAccount:
        """What the bank's boleto layout (models/billing/banks/) needs of the account."""
        return BankAccount(
            bank=self.bank,
            agency=self.agency,
            account=self.account,
            agreement=self.agreement,
            wallet=self.wallet,
            variation=self.variation,
            station=self.station,
            byte=self.byte,
        )

    def interest_per_day(self, amount: Decimal) -> Decimal:
        """Juros de mora a day on `amount`: the monthly rate over 30 days, to the cent."""
        daily = amount * self.interest_percent_month / Decimal(3000)
        return daily.quantize(Decimal("0.01"))


def _seed() -> BillingAccount:
    settings = current(BoletoSettings)
    account = settings.account
    return BillingAccount(
        name=SEED_NAME,
        bank=account.bank,
        agency=account.agency,
        account=account.account,
        agreement=account.agreement,
        wallet=account.wallet,
        variation=account.variation,
        station=account.station,
        byte=account.byte,
        beneficiary_name=settings.beneficiary_name,
        beneficiary_document=settings.beneficiary_document,
        beneficiary_address=settings.beneficiary_address,
        is_default=True,
        demo=settings.demo,
        cnab_layout=max(supported_layouts(account.bank), default=400),
    )


def default_account() -> BillingAccount:
    """The default account; the first time, seeded from the BOLETO_* settings (a parallel
    caller that seeds it too loses on the unique default and reads the winner's)."""
    account = db.session.scalars(
        db.select(BillingAccount).where(BillingAccount.is_default.is_(True))
    ).first()
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = _seed()
            db.session.add(account)
    except IntegrityError as error:
        if not (
            is_unique_violation(error, DEFAULT_UNIQUE) or is_unique_violation(error, NAME_UNIQUE)
        ):
            raise
        return default_account()
    return account


def get_billing_account(account_id: int, for_update: bool = False) -> BillingAccount:
    return get_row(BillingAccount, account_id, "Billing account", for_update=for_update)


def list_billing_accounts() -> list[BillingAccount]:
    default_account()  # a new installation shows its seeded account
    query = db.select(BillingAccount).order_by(
        BillingAccount.is_default.desc(), BillingAccount.name
    )
    return list(db.session.scalars(query))


def usable_account(account_id: int | None, field: str = "billing_account_id") -> int | None:
    """`account_id` when it names an active account (a customer or subscription naming one);
    Invalid naming `field` otherwise."""
    if account_id is None:
        return None
    account = db.session.get(BillingAccount, account_id) if 0 < account_id < 2**31 else None
    if account is None or not account.active:
        raise Invalid.field(field, "No active billing account has this id.")
    return account_id


def _check(account: BillingAccount) -> None:
    """The account can issue a boleto: its bank has a layout and its numbers fit it."""
    try:
        layout = bank_for(account.bank)
    except ValueError as error:
        raise Invalid.field("bank", str(error)) from None
    if layout.uses_agreement and not account.agreement:
        raise Invalid.field("agreement", f"{layout.name} needs the convênio.")
    try:
        layout.codes(account.bank_account(), 1, local_today(), Decimal("1.00"))
    except ValueError as error:
        raise Invalid(
            "The account does not fit its bank's boleto.", {"bank": [str(error)]}
        ) from None
    layouts = supported_layouts(account.bank)
    if account.cnab_layout not in layouts:
        named = " or ".join(map(str, layouts)) or "none"
        raise Invalid.field("cnab_layout", f"This bank's remessa and retorno: CNAB {named}.")


def supported_layouts(bank: str) -> tuple[int, ...]:
    """The CNAB layouts in which the service both writes this bank's remessas and reads its
    retornos (models/billing/cnab/)."""
    both = set(remittance.supported()) & set(returns.supported())
    return tuple(layout for layout in LAYOUTS if (bank, layout) in both)


def _unique_flush(account: BillingAccount) -> None:
    taken = Conflict(
        f"Another billing account is named {account.name!r}.",
        {"name": ["Already in use."]},
    )
    flush_or_conflict(NAME_UNIQUE, taken)


# Which boletos a bank and its retornos know the account by: fixed once boletos are issued on it
# (their nossos números, the retornos' header check and the number counter depend on them).
IDENTITY = ("bank", "agency", "account", "agreement", "wallet", "variation", "station", "byte")


def _default_race() -> Conflict:
    return Conflict(
        "Another account was made the default at the same moment; try again.",
        {"is_default": ["Changed meanwhile."]},
    )


def _refuse_identity_change(account: BillingAccount, changes: dict) -> None:
    """Conflict when `changes` would alter what the bank knows the account's boletos by, and
    boletos were issued on it: add a new account instead (and make it the default)."""
    changed = sorted(n for n in IDENTITY if n in changes and changes[n] != getattr(account, n))
    if not changed:
        return
    boletos = db.metadata.tables["boletos"]
    issued = db.select(boletos.c.id).where(boletos.c.billing_account_id == account.id).limit(1)
    if db.session.execute(issued).first() is not None:
        raise Conflict(
            "Boletos were issued on this account: add a new account instead.",
            {name: ["Boletos were issued on this account."] for name in changed},
        )


def _make_default(account: BillingAccount) -> None:
    """Only one default: the previous one stops being it (flushed first: the unique index)."""
    db.session.execute(
        db.update(BillingAccount)
        .where(BillingAccount.is_default.is_(True), BillingAccount.id != account.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )


def create_billing_account(data: dict) -> BillingAccount:
    """Add an account; with "is_default" it becomes the default."""
    default_account()  # the seed first, so an admin's first account does not shadow it
    make_default = data.pop("is_default", False)
    account = BillingAccount(**data)
    _check(account)
    db.session.add(account)
    _unique_flush(account)
    if make_default:
        _make_default(account)
        account.is_default = True
        flush_or_conflict(DEFAULT_UNIQUE, _default_race())
    return account


def update_billing_account(account_id: int, changes: dict) -> BillingAccount:
    """Change an account. The boletos already issued on it keep their codes; the default
    cannot be deactivated or stop being the default (make another one the default instead)."""
    account = get_billing_account(account_id, for_update=True)
    make_default = changes.pop("is_default", None)
    _refuse_identity_change(account, changes)
    if make_default is False and account.is_default:
        raise Conflict("Make another account the default instead.", {"is_default": ["Default."]})
    for name, value in changes.items():
        setattr(account, name, value)
    if account.is_default and not account.active:
        raise Conflict("The default account cannot be deactivated.", {"active": ["Default."]})
    _check(account)
    _unique_flush(account)
    if make_default and not account.is_default:
        if not account.active:
            raise Conflict("An inactive account cannot be the default.", {"active": ["Inactive."]})
        _make_default(account)
        account.is_default = True
        flush_or_conflict(DEFAULT_UNIQUE, _default_race())
    return account
