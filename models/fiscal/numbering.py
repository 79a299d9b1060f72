"""NFCom numbers, one counter per environment and series: homologação's test invoices take
nothing from produção's series, and a new series starts where the ISP says.

A number is taken only under its counter row's lock, in the transaction that stores the signed
invoice with it (models/fiscal/issuing.py): never used twice, never skipped.
"""

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, get_for_update, insert_or_ignore
from models.errors import Conflict
from models.fiscal.invoices import Invoice

FIRST = 1
LAST = 999_999_999  # nNF: 9 digits


class NFComSeries(db.Model):
    """The next number of one series in one environment."""

    __tablename__ = "nfcom_series"
    __table_args__ = (
        CheckConstraint(f"next_number BETWEEN {FIRST} AND {LAST}", "number_range"),
        UniqueConstraint("environment", "series", name="uq_nfcom_series_environment_series"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(12))
    series: Mapped[int] = mapped_column(Integer)
    next_number: Mapped[int] = mapped_column(Integer, default=FIRST)


def _of(environment: str, series: int):
    return (NFComSeries.environment == environment, NFComSeries.series == series)


def next_number(environment: str, series: int) -> int:
    """The series' next number (read only: a series never used starts at 1)."""
    number = db.session.scalar(select(NFComSeries.next_number).where(*_of(environment, series)))
    return FIRST if number is None else number


def counter(environment: str, series: int) -> NFComSeries:
    """The series' counter (made at 1 the first time), locked until the commit."""
    key = {"environment": environment, "series": series}
    insert_or_ignore(NFComSeries.__table__, {**key, "next_number": FIRST}, list(key))
    row_id = db.session.scalar(select(NFComSeries.id).where(*_of(environment, series)))
    return get_for_update(NFComSeries, row_id)


def move_to(environment: str, series: int, number: int) -> None:
    """Set the series' next number: anywhere while the series has no invoice, only forward
    once it has (a number already used is never handed out again). Conflict otherwise."""
    row = counter(environment, series)
    used = db.session.scalar(
        select(
            exists().where(
                Invoice.environment == environment,
                Invoice.series == series,
                Invoice.number.is_not(None),
            )
        )
    )
    if used and number < row.next_number:
        raise Conflict(
            f"A próxima NFCom da série {series} já é a {row.next_number}: a numeração só avança.",
            {"next_number": [f"At least {row.next_number}."]},
        )
    row.next_number = number
    db.session.flush()
