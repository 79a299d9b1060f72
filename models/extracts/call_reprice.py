"""Re-pricing the calls of a period by today's tariffs [6.7].

A call is priced when it is imported; one imported before its termination had a tariff costs
0.00, and a tariff changed later does not touch it. Finance re-prices a period once the tariffs
are right: every call that started in it gets the cost the current tariff gives (calls of a
termination with no tariff are left as they are). Each run is a row, created through the ORM,
so the history records who re-priced which period and what it changed.

Set-based, one UPDATE per priced termination: a period can hold millions of calls. The cost is
computed in whole numbers (tenths of a thousandth of a real per minute x seconds), so both
databases round exactly as `models.extracts.calls.call_cost` does: half up, to cents.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, Numeric, String, case, func, literal, update
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.clock import utcnow
from models.db import UTCDateTime, db
from models.errors import Invalid
from models.extracts.calls import ANSWERED, Call, Tariff
from models.extracts.extracts import checked_period


class CallReprice(Audited, db.Model):
    """One re-pricing run: the period, how many calls changed, the period's cost before/after."""

    __tablename__ = "call_reprices"
    __audit_ignore__ = frozenset({"created_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    calls: Mapped[int] = mapped_column(Integer)  # calls that started in the period
    changed: Mapped[int] = mapped_column(Integer)  # of them, the ones whose cost changed
    cost_before: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cost_after: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    requested_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _new_cost(tariff: Tariff):
    """The SQL expression of a call's cost by `tariff` (call_cost, in whole numbers)."""
    first, step = tariff.first_seconds, tariff.increment_seconds
    beyond = case((Call.billed_s > first, Call.billed_s - first), else_=0)
    charged = first + (beyond + (step - 1)) // step * step
    # 4 decimals: exact; a BIGINT, so that price x seconds cannot overflow PostgreSQL's int4.
    price = literal(int(Decimal(tariff.price_per_minute) * 10_000), BigInteger())
    # cost in cents = price x charged / 6000 (price in 1/10000 real), rounded half up.
    cents = (charged * price * 2 + 6000) // 12000
    paid = (Call.disposition == ANSWERED) & (Call.billed_s > 0)
    return case((paid, cents), else_=0) / Decimal(100)


def _period_cost(where) -> tuple[int, Decimal]:
    row = db.session.execute(
        db.select(func.count(Call.id), func.coalesce(func.sum(Call.cost), 0)).where(*where)
    ).one()
    return row[0], Decimal(row[1]).quantize(Decimal("0.01"))


def reprice_calls(first: date | None, last: date | None) -> CallReprice:
    """Give every call that started from `first` to `last` (ISP's zone, both included) the
    cost its termination's tariff gives now; 422 for a missing, reversed or too long period."""
    period = checked_period(_required(first, "from"), _required(last, "to"))
    where = [Call.started_at >= period.starts, Call.started_at < period.ends]
    count, before = _period_cost(where)
    changed = 0
    for tariff in db.session.scalars(db.select(Tariff)):
        cost = _new_cost(tariff)
        statement = (
            update(Call)
            .where(*where, Call.termination == tariff.termination, Call.cost != cost)
            .values(cost=cost)
            .execution_options(synchronize_session=False)
        )
        changed += db.session.execute(statement).rowcount
    _, after = _period_cost(where)
    run = CallReprice(
        period_from=period.first,
        period_to=period.last,
        calls=count,
        changed=changed,
        cost_before=before,
        cost_after=after,
        requested_by=current_actor(db.session).username,
    )
    db.session.add(run)
    db.session.flush()
    return run


def _required(day: date | None, name: str) -> date:
    if day is None:
        raise Invalid.field(name, "Required: the period to re-price.")
    return day
