"""The credit for days at reduced speed: a negative line on the next monthly bill.

Under the non-payment ladder's partial suspension (models/service/speed_reductions.py) the
customer keeps `percent` of the plan's speeds; the rules forbid charging that part of the month
in full. Monthly billing therefore adds to each new receivable a credit line (kind
`speed_reduction`) for the subscription's days at reduced speed not yet credited and already
elapsed on the billing run's day. A period still open is credited up to that day; the rest goes
on a later bill.

The rule, per calendar month the days fall in (one line each):

    credit = (price - discount) x reduced days / days in that month x (100 - percent) / 100

rounded half-up to the cent. The lines of one bill never add up to more than its plan amount
(price - discount): the bill cannot go negative, the excess is capped and not carried over.

Exactly once: each period's `credited_until` mark moves in the transaction that writes the line
and the receivable; the rows are read locked (SELECT ... FOR UPDATE on PostgreSQL, where a
parallel run's moved mark is seen once it commits; SQLite has one writer, which the receivable's
insert already made us). Monthly billing's own key makes a re-run create no receivable, hence no
line.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import bindparam, insert, or_, select, update

from models.billing.receivables import SPEED_REDUCTION, Receivable, ReceivableLine
from models.db import db
from models.service.speed_reductions import SpeedReduction
from models.service.subscriptions import Subscription

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Piece:
    """The days [start, end) of one period inside one calendar month, and their credit."""

    start: date
    end: date
    percent: int
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def description(self) -> str:
        last = self.end - timedelta(days=1)
        days = "1 dia" if self.days == 1 else f"{self.days} dias"
        return f"Redução de velocidade {self.start:%d/%m} a {last:%d/%m} ({days} a {self.percent}%)"


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _days_in_month(day: date) -> int:
    return (_next_month(day) - day.replace(day=1)).days


def _half_up(value: Fraction) -> Decimal:
    """A non-negative amount rounded half-up to the cent."""
    cents = (value * 100 * 2 + 1) // 2
    return Decimal(cents) / 100


def month_credit(monthly: Decimal, days: int, month_days: int, percent: int) -> Decimal:
    """The credit for `days` of a month of `month_days` at `percent` of the speeds kept."""
    lost = 100 - min(max(percent, 0), 100)
    return _half_up(Fraction(monthly) * days * lost / (month_days * 100))


def pieces(monthly: Decimal, start: date, end: date, percent: int) -> list[Piece]:
    """The days [start, end) split by calendar month, each with its credit (uncapped)."""
    result = []
    while start < end:
        stop = min(_next_month(start), end)
        days = (stop - start).days
        credit = month_credit(monthly, days, _days_in_month(start), percent)
        result.append(Piece(start, stop, percent, credit))
        start = stop
    return result


def uncredited(start: date, ended: date | None, credited: date | None, today: date):
    """The days [from, to) of a period still to credit on a bill made `today`, or None."""
    first = max(start, credited) if credited else start
    last = min(ended, today) if ended else today
    return (first, last) if first < last else None


def credit_reductions(receivable_ids: list[int], today: date) -> None:
    """Add the reduced-speed credit lines to the new receivables `receivable_ids` (made on
    `today`) and move the periods' marks; no commit."""
    sr, r, s = SpeedReduction.__table__.c, Receivable.__table__.c, Subscription.__table__.c
    query = (
        select(
            sr.id,
            sr.percent,
            sr.started_on,
            sr.ended_on,
            sr.credited_until,
            r.id.label("receivable_id"),
            s.price,
            s.discount,
        )
        .select_from(SpeedReduction.__table__)
        .join(Receivable.__table__, r.subscription_id == sr.subscription_id)
        .join(Subscription.__table__, s.id == sr.subscription_id)
        .where(r.id.in_(receivable_ids), sr.started_on < today)
        .where(or_(sr.credited_until.is_(None), sr.credited_until < today))
        .where(
            or_(sr.ended_on.is_(None), sr.credited_until.is_(None), sr.credited_until < sr.ended_on)
        )
        .order_by(sr.subscription_id, sr.started_on, sr.id)  # one order: runs wait, no deadlock
        .with_for_update(of=SpeedReduction.__table__)
    )
    lines, marks, left = [], [], {}
    for row in db.session.execute(query):
        days = uncredited(row.started_on, row.ended_on, row.credited_until, today)
        if days is None:
            continue
        marks.append({"row_id": row.id, "until": days[1]})
        monthly = row.price - row.discount
        remaining = left.setdefault(row.receivable_id, max(monthly, Decimal("0.00")))
        for piece in pieces(monthly, *days, row.percent):
            amount = min(piece.amount, remaining)
            remaining -= amount
            if amount > 0:
                lines.append(
                    {
                        "receivable_id": row.receivable_id,
                        "description": piece.description(),
                        "amount": -amount,
                        "kind": SPEED_REDUCTION,
                    }
                )
        left[row.receivable_id] = remaining
    if lines:
        db.session.execute(insert(ReceivableLine.__table__), lines)
    if marks:
        table = SpeedReduction.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(credited_until=bindparam("until")),
            marks,
        )
