"""A customer's payment data, "Dados Débito" [5.6]: how they pay, one method the default.

A method is a boleto, a bank account debit, a card, or a debit on the phone bill; its row fills
the columns of its kind. A card's number is stored encrypted (models/customers/card_crypto.py) with
its
first six and last four digits for display; its security code goes to the gateway
(models/customers/payment_gateway.py) and is dropped in the same call, never reaching a row.
"""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.backend import partial
from models.clock import local_today, utcnow
from models.customers import card_crypto
from models.customers.customers import get_customer
from models.customers.payment_gateway import CardCheck, verify_card
from models.db import UTCDateTime, db, flush_or_conflict, get_or_none, paginate
from models.errors import Conflict, Invalid, NotFound

BOLETO, BANK_DEBIT, CARD, PHONE_BILL_DEBIT = "boleto", "bank_debit", "card", "phone_bill_debit"
METHODS = (BOLETO, BANK_DEBIT, CARD, PHONE_BILL_DEBIT)
DEBIT_STATUSES = ("pending", "active", "suspended", "cancelled")
ACCOUNT_TYPES = ("checking", "savings")
# The API fields each method takes besides the common ones.
METHOD_FIELDS = {
    BOLETO: (),
    BANK_DEBIT: ("bank_code", "agency", "account_number", "account_type", "identifier_code"),
    CARD: ("card_number", "expiry", "security_code"),
    PHONE_BILL_DEBIT: ("ddd", "phone", "contract_number"),
}
COMMON_FIELDS = ("debit_status", "is_default")
DEFAULT_INDEX = "uq_payment_methods_default"


class PaymentMethod(Audited, db.Model):
    """One way a customer pays; the columns of its `method` are filled, the others null."""

    __tablename__ = "payment_methods"
    __table_args__ = (
        CheckConstraint(f"method IN {METHODS!r}", name="method_known"),
        CheckConstraint(f"debit_status IN {DEBIT_STATUSES!r}", name="debit_status_known"),
        # One default per customer, whatever races: the database refuses a second.
        Index(
            DEFAULT_INDEX,
            "customer_code",
            unique=True,
            **partial("is_default"),
        ),
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "card_length"})
    # The ciphertext changes with every write; its value says nothing to anyone.
    __audit_redact__ = frozenset({"card_number_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    debit_status: Mapped[str] = mapped_column(String(10), default="pending")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    bank_code: Mapped[str | None] = mapped_column(String(3))
    agency: Mapped[str | None] = mapped_column(String(7))
    account_number: Mapped[str | None] = mapped_column(String(15))
    account_type: Mapped[str | None] = mapped_column(String(8))
    identifier_code: Mapped[str | None] = mapped_column(String(25))
    card_number_encrypted: Mapped[str | None] = mapped_column(Text)
    card_first6: Mapped[str | None] = mapped_column(String(6))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_length: Mapped[int | None] = mapped_column(Integer)
    card_brand: Mapped[str | None] = mapped_column(String(12))
    card_expiry: Mapped[str | None] = mapped_column(String(7))  # MM/YYYY
    ddd: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(9))
    contract_number: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Set by the web layer for each answer: whether this caller sees account numbers whole.
    show_unmasked = False

    def audit_customer_code(self) -> int:
        return self.customer_code

    def audit_value(self, key: str, value):
        if key == "account_number" and value is not None:
            return mask_account(value)  # history is read by roles without payment access
        return value

    @property
    def card_number_masked(self) -> str | None:
        if self.card_first6 is None:
            return None
        return card_crypto.masked(self.card_first6, self.card_last4, self.card_length)

    @property
    def account_number_shown(self) -> str | None:
        if self.account_number is None or self.show_unmasked:
            return self.account_number
        return mask_account(self.account_number)


def mask_account(number: str) -> str:
    """An account number with all but its last four digits as asterisks: "*****123-4"."""
    digits = sum(char.isdigit() for char in number)
    keep = 4 if digits > 4 else 1
    shown, seen = [], 0
    for char in reversed(number):
        if char.isdigit():
            seen += 1
            char = char if seen <= keep else "*"
        shown.append(char)
    return "".join(reversed(shown))


def get_payment_method(code: int, method_id: int) -> PaymentMethod:
    """One of the customer's payment methods, or NotFound."""
    method = get_or_none(PaymentMethod, method_id)
    if method is None or method.customer_code != code:
        raise NotFound(f"Payment method {method_id} not found.")
    return method


def list_payment_methods(code: int, page: int, per_page: int) -> tuple[list[PaymentMethod], int]:
    """The customer's payment methods, oldest first, a page of them and the total."""
    get_customer(code)
    query = db.select(PaymentMethod).where(PaymentMethod.customer_code == code)
    return paginate(query.order_by(PaymentMethod.id), page, per_page)


def _current_default(code: int) -> PaymentMethod | None:
    query = db.select(PaymentMethod).where(
        PaymentMethod.customer_code == code, PaymentMethod.is_default.is_(True)
    )
    return db.session.scalars(query).first()


def _unset_default(code: int, keep: PaymentMethod | None = None) -> None:
    """Unset the customer's default (flushed now: the unique index checks every statement)."""
    old = _current_default(code)
    if old is not None and old is not keep:
        old.is_default = False
        db.session.flush()


def _flush_default() -> None:
    taken = Conflict("Another payment method became the default at the same time.")
    flush_or_conflict(DEFAULT_INDEX, taken)


def _set_expiry(method: PaymentMethod, expiry: str) -> tuple[int, int]:
    month, year = int(expiry[:2]), int(expiry[3:])
    today = local_today()
    if (year, month) < (today.year, today.month):
        raise Invalid.field("expiry", "The card has expired.")
    method.card_expiry = expiry
    return month, year


def _set_card_number(method: PaymentMethod, number: str) -> None:
    method.card_number_encrypted = card_crypto.encrypt(number)
    method.card_first6, method.card_last4 = number[:6], number[-4:]
    method.card_length, method.card_brand = len(number), card_crypto.brand(number)


def _fill_card(method: PaymentMethod, data: dict, security_code: str | None) -> None:
    """Set a card's number and expiry; the gateway verifies it, security code and all."""
    number = data.pop("card_number", None)
    expiry = data.pop("expiry", None) or method.card_expiry
    month, year = _set_expiry(method, expiry)
    if number is not None:
        _set_card_number(method, number)
    else:
        number = card_crypto.decrypt(method.card_number_encrypted)
    verify_card(CardCheck(number, month, year, security_code))


def _fill(method: PaymentMethod, data: dict, security_code: str | None) -> None:
    """Set the method's columns from input (the schema checked which fields it takes)."""
    if method.method == CARD and ({"card_number", "expiry"} & set(data) or security_code):
        _fill_card(method, data, security_code)
    for key in ("debit_status", *METHOD_FIELDS[method.method]):
        if key in data:
            setattr(method, key, data[key])


def create_payment_method(code: int, data: dict) -> PaymentMethod:
    """Add a payment method; the customer's first one (or one sent with is_default) is default."""
    data = dict(data)
    # Out of the data at once: whatever happens next, the code goes to the gateway only.
    security_code = data.pop("security_code", None)
    get_customer(code, for_update=True)  # one default switch per customer at a time
    method = PaymentMethod(customer_code=code, method=data.pop("method"))
    is_default = data.pop("is_default", False) or _current_default(code) is None
    _fill(method, data, security_code)
    del security_code
    if is_default:
        _unset_default(code)
    method.is_default = is_default
    db.session.add(method)
    _flush_default()
    return method


def update_payment_method(code: int, method_id: int, changes: dict) -> PaymentMethod:
    """Change some fields; the card number only by sending a new full one."""
    changes = dict(changes)
    security_code = changes.pop("security_code", None)
    get_customer(code, for_update=True)
    method = get_payment_method(code, method_id)
    taken = set(METHOD_FIELDS[method.method]) | set(COMMON_FIELDS)
    refused = sorted(set(changes) - taken)
    if security_code is not None and method.method != CARD:
        refused.append("security_code")
    if refused:
        # Valid in itself, but not for the method stored: a conflict, not bad input.
        errors = {name: [f"Not used by a {method.method} payment method."] for name in refused}
        raise Conflict(f"A {method.method} payment method has no {', '.join(refused)}.", errors)
    is_default = changes.pop("is_default", None)
    if is_default is False and method.is_default:
        message = "Make another payment method the default instead."
        raise Conflict(message, {"is_default": [message]})
    _fill(method, changes, security_code)
    del security_code
    if is_default and not method.is_default:
        _unset_default(code, keep=method)
        method.is_default = True
    _flush_default()
    return method


def delete_payment_method(code: int, method_id: int) -> None:
    """Remove a payment method; when it was the default, the oldest remaining one becomes it."""
    get_customer(code, for_update=True)
    method = get_payment_method(code, method_id)
    was_default = method.is_default
    db.session.delete(method)
    db.session.flush()
    if was_default:
        query = db.select(PaymentMethod).where(PaymentMethod.customer_code == code)
        successor = db.session.scalars(query.order_by(PaymentMethod.id).limit(1)).first()
        if successor is not None:
            successor.is_default = True
            _flush_default()
