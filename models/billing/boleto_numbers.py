"""Nosso-número sequences: one counter per (bank, key), handed out atomically. The key is the
convênio, or for a bank whose nosso número carries the year (Sicredi) the convênio and the year
(`Bank.sequence_key`).

A bank refuses a second boleto with the same nosso número under one agreement, so two workers
must never draw the same value. `next_nosso_numero` increments the counter with one
UPDATE ... RETURNING: the row stays locked until the caller's transaction ends, so a parallel
caller waits and reads the new value (PostgreSQL row lock, SQLite's database write lock).
A rollback gives the number back: the sequence has no gaps from failed work.
"""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, insert_or_ignore


class BoletoSequence(db.Model):
    """The next nosso-número sequence value of one counter: a bank's convênio (its key)."""

    __tablename__ = "boleto_sequences"

    bank: Mapped[str] = mapped_column(String(3), primary_key=True)
    agreement: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)


def next_nosso_numero(bank: str, agreement: str) -> int:
    """The agreement's next sequence value (1, 2, ...), unique even under parallel callers.

    Flushes, never commits: the value is the caller's once its transaction commits.
    """
    value = _increment(bank, agreement)
    if value is None:  # the agreement's first boleto: create its counter (once), then draw
        table = BoletoSequence.__table__
        row = {"bank": bank, "agreement": agreement, "next_value": 1}
        insert_or_ignore(table, row, unique_on=("bank", "agreement"))
        value = _increment(bank, agreement)
    return value


def _increment(bank: str, agreement: str) -> int | None:
    table = BoletoSequence.__table__
    statement = (
        db.update(table)
        .where(table.c.bank == bank, table.c.agreement == agreement)
        .values(next_value=table.c.next_value + 1)
        .returning(table.c.next_value - 1)
    )
    return db.session.execute(statement).scalar_one_or_none()


def reserve_nosso_numeros(bank: str, agreement: str, count: int) -> range:
    """`count` consecutive sequence values at once (for issuing many boletos in one statement)."""
    first = next_nosso_numero(bank, agreement)
    if count > 1:
        table = BoletoSequence.__table__
        db.session.execute(
            db.update(table)
            .where(table.c.bank == bank, table.c.agreement == agreement)
            .values(next_value=table.c.next_value + (count - 1))
        )
    return range(first, first + count)
