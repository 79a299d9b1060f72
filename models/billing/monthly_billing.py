"""Monthly billing: one receivable per subscription and month, made set-based, chunk by chunk.

The rule (the common one among Brazilian ISPs): the receivable of month M is due on the
subscription's `due_day` of M and is created `lead_days()` before that date, by a daily run.
Active and suspended subscriptions are billed (a suspension for non-payment does not stop the
contract); cancelled ones are not, nor any subscription of an inactive customer (deactivating
is refused while one is not cancelled, but data may get there another way). No month before
the one of `first_due_date` is billed, and in that month the receivable is due on
`first_due_date` itself. A receivable created after its due day (billing did not run for
days) is due on the day it is created instead, so no customer is overdue on a bill they never
had.

Lines: the plan's price, the discount (negative), the subscription's pending billing events
(per source the lowest sequence: one installment a month), the boleto fee
(BILLING["boleto_fee"]) when the customer has `charge_boleto_fee` and pays by boleto, and the
credit for days at reduced speed not yet credited (negative; models/billing/reduction_credits.py).

Exactly once: the receivable's `source_key` is `monthly:{subscription_id}:{YYYY-MM}`, unique in
the database, and inserted with ON CONFLICT DO NOTHING; only the rows this run inserted get
lines, events and history. A re-run, a retried task or a second beat creates nothing. The
reduced-speed credit moves its periods' marks in the same transaction as the receivable.
"""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Date, String, case, cast, exists, insert, literal, select

from models.billing.billing_events import BILLED, PENDING, BillingEvent
from models.billing.receivables import (
    BILLING_EVENT,
    BOLETO_FEE,
    DISCOUNT,
    OPEN,
    PLAN,
    Receivable,
    ReceivableLine,
    pays_by_boleto,
)
from models.billing.reduction_credits import credit_reductions
from models.billing.settings import BillingPolicy
from models.bulk_history import record_created
from models.clock import utcnow
from models.customers.customer_options import CustomerOptions
from models.customers.customers import Customer
from models.db import db, upsert
from models.service.plans import Plan
from models.service.subscriptions import ACTIVE, LAST_DUE_DAY, SUSPENDED, Subscription
from models.settings import current

BILLING_LEAD_DAYS = 10  # at least; more when boleto e-mails go out earlier than this
BILLED_STATUSES = (ACTIVE, SUSPENDED)


def lead_days() -> int:
    """Days before its due date a month's receivable is created (after the boleto e-mail's)."""
    return max(BILLING_LEAD_DAYS, current(BillingPolicy).boleto_email_days_before + 1)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_to_bill(today: date) -> list[date]:
    """The months (first days) whose receivables a run on `today` may create."""
    horizon = today + timedelta(days=lead_days())
    months = [_month_start(today)]
    if _month_start(horizon) != months[0]:
        months.append(_month_start(horizon))
    return months


def source_key(subscription_id: int, month: date) -> str:
    """The key of a subscription's receivable for `month`."""
    return f"monthly:{subscription_id}:{month:%Y-%m}"


def _due_date(month: date, today: date):
    """SQL: the receivable's due date for the subscription row (see the module's rule)."""
    s = Subscription.__table__.c
    days = {day: month.replace(day=day) for day in range(1, LAST_DUE_DAY + 1)}
    on_due_day = case({day: literal(value, Date) for day, value in days.items()}, value=s.due_day)
    base = case((s.first_due_date >= month, s.first_due_date), else_=on_due_day)
    return case((base < today, literal(today, Date)), else_=base)


def _boleto_fee_applies(customer_code):
    """SQL: the customer is charged the boleto fee (the flag on, and paying by boleto)."""
    o = CustomerOptions.__table__.c
    flagged = exists().where(o.customer_code == customer_code, o.charge_boleto_fee.is_(True))
    return flagged & pays_by_boleto(customer_code)


def _boleto_fee() -> Decimal:
    return current(BillingPolicy).boleto_fee


def _expected_amount():
    """SQL: price less discount plus the boleto fee, the amount most receivables end with.

    Written with the row so few rows are updated after: `_sum_lines` corrects those whose lines
    say otherwise (installments, or options changed between the two statements).
    """
    s = Subscription.__table__.c
    fee = case((_boleto_fee_applies(s.customer_code), _boleto_fee()), else_=Decimal("0.00"))
    return s.price - s.discount + fee


def _insert_receivables(month: date, today: date, after: int, upto: int) -> list[int]:
    """Insert the month's receivables of subscriptions in (after, upto]; the new ids."""
    s = Subscription.__table__.c
    due = _due_date(month, today)
    now = utcnow()
    key = literal("monthly:") + cast(s.id, String) + literal(f":{month:%Y-%m}")
    rows = (
        select(
            s.customer_code,
            s.id,
            literal(f"Mensalidade {month:%m/%Y}"),
            _expected_amount(),
            literal(today, Date),
            due,
            literal(OPEN),
            literal(month, Date),
            key,
            literal(now),
            literal(now),
        )
        .where(s.id > after, s.id <= upto, s.status.in_(BILLED_STATUSES))
        .where(s.first_due_date < _next_month(month), due <= today + timedelta(days=lead_days()))
        .where(s.customer_code.in_(select(Customer.code).where(Customer.active.is_(True))))
        .order_by(s.id)  # one order for every run: parallel runs wait, never deadlock
    )
    columns = [
        "customer_code",
        "subscription_id",
        "description",
        "amount",
        "issue_date",
        "due_date",
        "status",
        "billing_month",
        "source_key",
        "created_at",
        "updated_at",
    ]
    table = Receivable.__table__
    statement = (
        upsert(table)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=[table.c.source_key])
        .returning(table.c.id)
    )
    return list(db.session.scalars(statement))


def _add_lines(ids: list[int], month: date) -> None:
    """The plan, discount and boleto-fee lines of the new receivables `ids`."""
    r, s, p = Receivable.__table__.c, Subscription.__table__.c, Plan.__table__.c
    lines = ReceivableLine.__table__
    joined = (
        select()
        .select_from(Receivable.__table__)
        .join(Subscription.__table__, s.id == r.subscription_id)
        .join(Plan.__table__, p.id == s.plan_id)
        .where(r.id.in_(ids))
    )
    columns = ["receivable_id", "description", "amount", "kind"]
    plan = joined.add_columns(
        r.id, literal("Plano ") + p.name + literal(f" ({month:%m/%Y})"), s.price, literal(PLAN)
    )
    discount = joined.add_columns(r.id, literal("Desconto"), -s.discount, literal(DISCOUNT))
    db.session.execute(insert(lines).from_select(columns, plan))
    db.session.execute(insert(lines).from_select(columns, discount.where(s.discount > 0)))
    fee = _boleto_fee()
    if fee > 0:
        charged = select(r.id, literal("Tarifa de boleto"), literal(fee), literal(BOLETO_FEE))
        charged = charged.where(r.id.in_(ids), _boleto_fee_applies(r.customer_code))
        db.session.execute(insert(lines).from_select(columns, charged))


def _take_billing_events(ids: list[int]) -> None:
    """Per source, the lowest pending event of each billed subscription becomes a line."""
    e, r = BillingEvent.__table__, Receivable.__table__
    earlier = e.alias("earlier")
    receivable_of = (
        select(r.c.id)
        .where(r.c.subscription_id == e.c.subscription_id, r.c.id.in_(ids))
        .scalar_subquery()
    )
    lowest = (
        select(db.func.min(earlier.c.sequence))
        .where(earlier.c.source_key == e.c.source_key, earlier.c.status == PENDING)
        .scalar_subquery()
    )
    billed_subscriptions = select(r.c.subscription_id).where(r.c.id.in_(ids))
    db.session.execute(
        db.update(e)
        .where(e.c.status == PENDING, e.c.subscription_id.in_(billed_subscriptions))
        .where(e.c.sequence == lowest)
        .values(status=BILLED, receivable_id=receivable_of)
    )
    taken = select(
        e.c.receivable_id, e.c.description, e.c.amount, literal(BILLING_EVENT), e.c.id
    ).where(e.c.receivable_id.in_(ids), e.c.status == BILLED)
    columns = ["receivable_id", "description", "amount", "kind", "billing_event_id"]
    db.session.execute(insert(ReceivableLine.__table__).from_select(columns, taken))


def _sum_lines(ids: list[int]) -> None:
    """Make each new receivable's amount the sum of its lines (only the few that differ)."""
    r, line = Receivable.__table__, ReceivableLine.__table__
    totals = (
        select(line.c.receivable_id, db.func.sum(line.c.amount).label("total"))
        .where(line.c.receivable_id.in_(ids))
        .group_by(line.c.receivable_id)
        .subquery()
    )
    db.session.execute(
        db.update(r)
        .where(r.c.id == totals.c.receivable_id, r.c.amount != totals.c.total)
        .values(amount=totals.c.total)
    )


def bill_chunk(month: date, today: date, after: int, size: int) -> tuple[int | None, int]:
    """Bill `month` for the next `size` subscriptions with an id above `after` (no commit).

    Returns (the last subscription id looked at, or None when none was left; receivables made).
    """
    s = Subscription.__table__.c
    page = select(s.id).where(s.id > after).order_by(s.id).limit(size).subquery()
    upto = db.session.scalar(select(db.func.max(page.c.id)))
    if upto is None:
        return None, 0
    ids = _insert_receivables(month, today, after, upto)
    if ids:
        _add_lines(ids, month)
        credit_reductions(ids, today)
        _take_billing_events(ids)
        _sum_lines(ids)
        record_created(Receivable, ids)  # the ORM listener would cost a round trip a row
    return upto, len(ids)
