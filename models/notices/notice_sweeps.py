"""Which notices are due today: the boleto e-mails and the overdue stages, claimed set-based.

Each sweep is one INSERT ... SELECT ... ON CONFLICT DO NOTHING into notices per kind (and per
overdue stage): the key (receivable_id, kind, stage) makes a second or parallel sweep insert
nothing, and only the rows a sweep inserted come back to it to send. A claimed notice goes out
even if the customer has no e-mail address: send_notices records it as skipped, with the reason.

Boleto e-mail: open receivables paid by boleto of customers with `send_boleto_email`, due
between today and BILLING["boleto_email_days_before"] days ahead. "Or less": a sweep that
missed days (or a receivable created late) still sends it while the bill is not yet due; a bill
already due gets no boleto e-mail (the overdue notices take over).

Receivables owed are open or partially paid (their balance is what the e-mails ask for). A
boleto e-mail for an amount a boleto cannot carry is claimed and skipped at once, with the
reason (AMOUNT_TOO_LARGE), instead of failing the sweep.

The ladder's notices (kinds "reduction", "suspension", "termination", stage 0): receivables
overdue by more than the stage's `*_after_days` (models/billing/auto_suspension's rule) of
customers the stage would reach (auto_suspend, a subscription in the stage's reach and not held
off it, no trust unlock), whatever their `send_overdue_notice`: the stage waits for its notice.

Overdue notices: owed receivables of customers with `send_overdue_notice`. A receivable's days
overdue count from its due date moved to the next business day (models/business_days), in
business days when BILLING["notice_business_days"], else calendar days. Each sweep claims only
the latest stage reached (BILLING["overdue_notice_days"]) and never one earlier than a stage
already claimed: a sweep that missed days sends one notice, not every stage it missed.
"""

from datetime import date, timedelta

from sqlalchemy import Integer, String, and_, exists, literal, select

from models.billing.auto_suspension import customers_to_warn, overdue_boundary, stages
from models.billing.boletos import issue_boletos
from models.billing.business_days import BusinessCalendar, business_calendar
from models.billing.receivables import (
    BOLETO_MAX_AMOUNT,
    OWED,
    Receivable,
    balance_column,
    pays_by_boleto,
)
from models.billing.settings import BillingPolicy
from models.bulk_history import record_created
from models.clock import utcnow
from models.customers.customer_options import customers_with_option
from models.customers.customers import Customer
from models.db import UTCDateTime, db, upsert
from models.notices import notices
from models.notices.notices import QUEUED, Notice
from models.settings import current

BOLETO, OVERDUE = "boleto", "overdue"
AMOUNT_TOO_LARGE = f"amount does not fit a boleto (at most {BOLETO_MAX_AMOUNT})"
_COLUMNS = ("receivable_id", "kind", "stage", "customer_code", "recipient", "status", "attempts")
_TIMES = ("created_at", "updated_at", "next_attempt_at")


def _claim(candidates, kind: str, stage: int) -> list[tuple[int, int]]:
    """Insert a queued notice (kind, stage) for each receivable row of `candidates`;
    (notice id, receivable id) of the new ones."""
    r, c, n = Receivable.__table__.c, Customer.__table__.c, Notice.__table__
    now = utcnow()
    rows = (
        candidates.add_columns(r.id, literal(kind, String), literal(stage, Integer))
        .add_columns(r.customer_code, c.email, literal(QUEUED, String), literal(0, Integer))
        .add_columns(*(literal(now, UTCDateTime) for _ in _TIMES))
        .join_from(Receivable.__table__, Customer.__table__, c.code == r.customer_code)
        .order_by(r.id)  # one order for every sweep: parallel sweeps wait, never deadlock
    )
    key = [n.c.receivable_id, n.c.kind, n.c.stage]
    statement = (
        upsert(n)
        .from_select([*_COLUMNS, *_TIMES], rows)
        .on_conflict_do_nothing(index_elements=key)
        .returning(n.c.id, n.c.receivable_id)
    )
    claimed = [tuple(row) for row in db.session.execute(statement)]
    record_created(Notice, [notice_id for notice_id, _ in claimed])
    return claimed


def _with_option(flag: str):
    return Receivable.customer_code.in_(customers_with_option(flag).order_by(None))


def claim_boleto_emails(today: date) -> list[int]:
    """Claim the boleto e-mails due `today` (see the module's rule); the new notices' ids."""
    days = current(BillingPolicy).boleto_email_days_before
    candidates = select().where(
        Receivable.status.in_(OWED),
        Receivable.due_date >= today,
        Receivable.due_date <= today + timedelta(days=days),
        _with_option("send_boleto_email"),
        pays_by_boleto(Receivable.customer_code),
    )
    claimed = _claim(candidates, BOLETO, 0)
    # Their boletos, set-based now: the workers that write the e-mails find them issued.
    issue_boletos(sorted(receivable_id for _, receivable_id in claimed))
    too_large = _too_large([receivable_id for _, receivable_id in claimed])
    notices.skip([notice_id for notice_id, r in claimed if r in too_large], AMOUNT_TOO_LARGE)
    return [notice_id for notice_id, r in claimed if r not in too_large]


def _too_large(receivable_ids: list[int]) -> set[int]:
    """Those of the receivables whose balance no boleto can carry (rows from before the limit)."""
    query = select(Receivable.id).where(
        Receivable.id.in_(receivable_ids), balance_column() > BOLETO_MAX_AMOUNT
    )
    return set(db.session.scalars(query))


def claim_ladder_notices(today: date) -> list[int]:
    """Claim the notices announcing the ladder's stages due `today` (see the module's rule)."""
    claimed = []
    for stage in stages().values():
        candidates = select().where(
            Receivable.status.in_(OWED),
            Receivable.due_date < overdue_boundary(today, stage.after_days),
            Receivable.customer_code.in_(customers_to_warn(stage, today)),
        )
        claimed += [notice_id for notice_id, _ in _claim(candidates, stage.notice_kind, 0)]
    return claimed


def latest_due_date(days: int, today: date, business: bool, calendar: BusinessCalendar) -> date:
    """The latest due date at least `days` overdue `today`: every earlier one is too."""
    due = today - timedelta(days=days)  # days overdue only shrink as the due date moves on
    while calendar.days_overdue(due, today, business) < days:
        due -= timedelta(days=1)
    return due


def claim_overdue_notices(today: date) -> list[int]:
    """Claim, per receivable, the latest overdue stage reached `today`; the new notices' ids."""
    policy = current(BillingPolicy)
    stages = sorted(policy.overdue_notice_days, reverse=True)
    calendar = business_calendar()
    business = policy.notice_business_days
    claimed, later_than = [], None
    for stage in stages:  # the highest stage first: due dates (later_than, upto] reached it
        upto = latest_due_date(stage, today, business, calendar)
        n = Notice.__table__.c
        already = exists().where(
            n.receivable_id == Receivable.id, n.kind == OVERDUE, n.stage >= stage
        )
        window = [Receivable.due_date <= upto]
        if later_than is not None:
            window.append(Receivable.due_date > later_than)
        candidates = select().where(
            Receivable.status.in_(OWED),
            and_(*window),
            _with_option("send_overdue_notice"),
            ~already,
        )
        claimed += [notice_id for notice_id, _ in _claim(candidates, OVERDUE, stage)]
        later_than = upto
    return claimed
