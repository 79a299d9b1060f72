"""Call records (CDRs) of customers' voice terminals [6.7], and the tariffs that price them.

A call is imported from the telephone switch's CDR file (Asterisk cdr-csv), matched to the
`voip_terminal` item whose number placed it, classified by the dialled number (Brazilian
numbering, see models/extracts/numbering.py) and priced by the tariff of its termination type.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict
from models.errors import Conflict, NotFound
from models.service.radius import BigKey

LOCAL, LONG_DISTANCE, MOBILE, INTERNATIONAL, TOLL_FREE, SPECIAL = (
    "local",
    "long_distance",
    "mobile",
    "international",
    "toll_free",
    "special",
)
TERMINATIONS = (LOCAL, LONG_DISTANCE, MOBILE, INTERNATIONAL, TOLL_FREE, SPECIAL)
ANSWERED = "ANSWERED"  # Asterisk's disposition of a call that was answered: the only one paid
CENT = Decimal("0.01")


class Tariff(Audited, db.Model):
    """The price of a termination type: per minute, charged from `first_seconds`, then by
    `increment_seconds` (30/6 is common: 30 s minimum, then 6 s steps)."""

    __tablename__ = "tariffs"
    __table_args__ = (
        CheckConstraint(f"termination IN {TERMINATIONS!r}", name="termination_known"),
        CheckConstraint("price_per_minute >= 0", name="price_not_negative"),
        CheckConstraint("first_seconds >= 0 AND increment_seconds >= 1", name="steps_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    termination: Mapped[str] = mapped_column(String(20), unique=True)
    price_per_minute: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    first_seconds: Mapped[int] = mapped_column(Integer, default=30)
    increment_seconds: Mapped[int] = mapped_column(Integer, default=6)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Call(db.Model):
    """One CDR of a customer's terminal, as imported (cost fixed at import time)."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint(f"termination IN {TERMINATIONS!r}", name="termination_known"),
        Index("ix_calls_customer_started", "customer_code", "started_at"),
        Index("ix_calls_terminal_started", "terminal", "started_at"),
        Index("ix_calls_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    # Asterisk's uniqueid: what makes re-importing the same file add nothing.
    uniqueid: Mapped[str] = mapped_column(String(150), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("subscription_items.id"))
    customer_code: Mapped[int] = mapped_column(Integer)
    terminal: Mapped[str] = mapped_column(String(13))  # the terminal's number (origin)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    destination: Mapped[str] = mapped_column(String(40))
    duration_s: Mapped[int] = mapped_column(Integer)
    billed_s: Mapped[int] = mapped_column(Integer)
    disposition: Mapped[str] = mapped_column(String(20))
    termination: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_file: Mapped[str | None] = mapped_column(Text)


def list_tariffs() -> list[Tariff]:
    """Every tariff, in the order of TERMINATIONS."""
    found = {t.termination: t for t in db.session.scalars(db.select(Tariff))}
    return [found[name] for name in TERMINATIONS if name in found]


def get_tariff(termination: str) -> Tariff:
    """The tariff of `termination`, or NotFound (a termination nobody priced yet)."""
    tariff = db.session.scalar(db.select(Tariff).where(Tariff.termination == termination))
    if tariff is None:
        raise NotFound(f"No tariff for {termination}.")
    return tariff


def create_tariff(data: dict) -> Tariff:
    """Price a termination type that has no tariff yet (one tariff per type: else 409)."""
    tariff = Tariff(**data)
    db.session.add(tariff)
    taken = Conflict(
        f"{tariff.termination} has a tariff already; change it with PUT.",
        {"termination": ["Already has a tariff."]},
    )
    flush_or_conflict("uq_tariffs_termination", taken)
    return tariff


def put_tariff(termination: str, data: dict) -> tuple[Tariff, bool]:
    """Replace the tariff of `termination`, or create it; True when created. Calls imported
    before keep their cost until their period is re-priced (models/extracts/call_reprice.py)."""
    tariff = db.session.scalar(
        db.select(Tariff).where(Tariff.termination == termination).with_for_update()
    )
    if tariff is None:
        return create_tariff({**data, "termination": termination}), True
    for key, value in data.items():
        setattr(tariff, key, value)
    db.session.flush()
    return tariff, False


def charged_seconds(billsec: int, first_seconds: int, increment_seconds: int) -> int:
    """Seconds charged: at least `first_seconds`, then whole `increment_seconds` steps."""
    beyond = max(billsec - first_seconds, 0)
    return first_seconds + -(-beyond // increment_seconds) * increment_seconds


def call_cost(billsec: int, tariff: Tariff | None, disposition: str = ANSWERED) -> Decimal:
    """What a call costs by `tariff`: nothing unless answered and billed, or without a tariff.

    price per minute x charged seconds / 60, rounded half up to cents.
    """
    if tariff is None or billsec <= 0 or disposition != ANSWERED:
        return Decimal("0.00")
    seconds = charged_seconds(billsec, tariff.first_seconds, tariff.increment_seconds)
    cost = Decimal(tariff.price_per_minute) * seconds / 60
    return cost.quantize(CENT, rounding=ROUND_HALF_UP)
