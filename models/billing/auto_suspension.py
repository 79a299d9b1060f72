"""The non-payment ladder [5.1.1]: notice, reduced speed, suspension, termination, and their
lifting when the customer pays.

The stages (BillingPolicy, docs/OPERATIONS.md), each optional but the suspension:
- reduce: the plan's speeds cut to `reduce_speed_percent` through RADIUS (the plan's reduced
  group for new sessions, a CoA-Request for open ones); the subscription stays active;
- suspend: the subscription suspended (the suspended group, a Disconnect-Request);
- terminate: the contract cancelled with `termination_cancel_reason`.

The overdue rule: a receivable is overdue by more than N days when today is more than N calendar
days past its due date moved to the next business day (models/business_days.payable_until), as
the bank takes it without charges until then and the overdue notices count from the same day.
`overdue_boundary` turns that into one date: open receivables due before it are overdue, so the
database answers with the index on due dates.

Warned first: a stage's notice (kinds "reduction", "suspension", "termination", claimed by the
notice sweep, models/notice_sweeps) goes for a receivable overdue by more than the stage's
`*_after_days` of a customer the stage would reach; it names the stage's date, the day it is
written plus the stage's `*_notice_days`. The stage runs on that date or later, never before,
and only if that notice was sent for a receivable still owed. A notice that could not be sent
(no e-mail address, consent withdrawn, no SMTP server, failed) moves nobody: staff see it in
GET /notices?kind=... and act by hand.

Held off: a trust unlock keeps every stage off the customer; a hold ("Suspensão Programada") on
a subscription keeps off the suspension and termination (`no_suspend`), the reduction
(`no_reduce`), or both.

Exactly once: the sweep lists candidates, then per chunk locks the customers (in code order)
and their subscriptions, and re-checks everything under the locks before changing them through
the same operations scheduled tasks use (models/subscription_changes). A second sweep, running
after or beside the first, finds nothing left to change.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, true

from models.backend import among
from models.billing.business_days import BusinessCalendar, business_calendar
from models.billing.receivables import OWED, Receivable, overdue_customers
from models.billing.settings import BillingPolicy
from models.billing.suspension_holds import (
    NO_REDUCE,
    NO_SUSPEND,
    held,
    record_trust_unlock,
    unlocked,
)
from models.clock import local_midnight
from models.customers.customer_options import customers_with_option
from models.customers.customers import Customer
from models.db import db, lock_rows
from models.errors import Conflict
from models.notices.notices import SENT, Notice
from models.service import radius
from models.service.cancel_reasons import usable_reason
from models.service.plans import Plan
from models.service.speed_reductions import reprice_reductions
from models.service.subscription_changes import (
    CANCEL,
    ENABLE,
    REDUCE,
    RESTORE,
    SUSPEND,
    Reduction,
    apply_change,
    follow_changes,
    reduce_speeds,
    reduce_speeds_at_once,
    restore_speeds,
)
from models.service.subscriptions import ACTIVE, NON_PAYMENT, SUSPENDED, Subscription
from models.settings import current

# The notice kinds that announce each stage, and the stages' names.
REDUCTION, SUSPENSION, TERMINATION = "reduction", "suspension", "termination"
TERMINATE = "terminate"
STAGE_ACTIONS = {REDUCE: REDUCTION, SUSPEND: SUSPENSION, TERMINATE: TERMINATION}


@dataclass(frozen=True)
class Stage:
    """A ladder stage: its notice's kind, when the notice goes (days overdue) and how long
    before the stage it must have been sent."""

    action: str
    notice_kind: str
    after_days: int
    notice_days: int


def stages() -> dict[str, Stage]:
    """The stages in force, by action, in the ladder's order (reduce, suspend, terminate)."""
    policy = current(BillingPolicy)
    found = {}
    if policy.reduce_after_days is not None:
        found[REDUCE] = Stage(
            REDUCE, REDUCTION, policy.reduce_after_days, policy.reduce_notice_days
        )
    found[SUSPEND] = Stage(
        SUSPEND, SUSPENSION, policy.auto_suspend_after_days, policy.suspension_notice_days
    )
    if policy.terminate_after_days is not None:
        found[TERMINATE] = Stage(
            TERMINATE, TERMINATION, policy.terminate_after_days, policy.termination_notice_days
        )
    return found


def stage_for_notice(kind: str) -> Stage | None:
    """The stage a notice kind announces (None when that stage is off)."""
    return next((stage for stage in stages().values() if stage.notice_kind == kind), None)


def notice_days_of(kind: str) -> int:
    """Calendar days between a ladder notice of `kind` and the stage it announces (whether or
    not the stage is on: a notice claimed before it was turned off still names its date)."""
    policy = current(BillingPolicy)
    return {
        REDUCTION: policy.reduce_notice_days,
        SUSPENSION: policy.suspension_notice_days,
        TERMINATION: policy.termination_notice_days,
    }[kind]


def reduction_rules() -> Reduction:
    policy = current(BillingPolicy)
    return Reduction(policy.reduce_speed_percent, policy.reduce_address_list)


def overdue_boundary(today: date, days: int, calendar: BusinessCalendar | None = None) -> date:
    """Open receivables due before this date are overdue by more than `days` on `today`.

    Overdue when payable_until(due) < today - days: that is, due on or before the last
    business day before `today - days` (a due date after it moves to that day or later).
    """
    calendar = calendar or business_calendar()
    day = today - timedelta(days=days + 1)
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day + timedelta(days=1)


def _overdue(boundary: date):
    return Subscription.customer_code.in_(overdue_customers(boundary, 0).order_by(None))


def _announced(stage: Stage, today: date, boundary: date):
    """SQL: the customer was sent, on or before today less the stage's notice days, the notice
    announcing the stage for a receivable still owed and overdue."""
    sent_before = local_midnight(today - timedelta(days=stage.notice_days - 1))
    return exists().where(
        Notice.customer_code == Subscription.customer_code,
        Notice.kind == stage.notice_kind,
        Notice.status == SENT,
        Notice.sent_at < sent_before,
        Receivable.id == Notice.receivable_id,
        Receivable.status.in_(OWED),
        Receivable.due_date < boundary,
    )


def _reachable(action: str, today: date):
    """SELECT the subscriptions `action`'s stage would change if their customer owed:
    the customer's auto_suspend flag, no trust unlock, no hold with the stage's flag."""
    auto = customers_with_option("auto_suspend").order_by(None)
    query = db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.customer_code.in_(auto), ~unlocked(Subscription.customer_code, today)
    )
    if action == REDUCE:  # internet plans at full speed
        return query.where(
            Subscription.status == ACTIVE,
            Subscription.speed_reduced_at.is_(None),
            _reducible(today),
        )
    query = query.where(~held(Subscription.id, today, NO_SUSPEND))
    if action == SUSPEND:
        return query.where(Subscription.status == ACTIVE)
    return query.where(  # TERMINATE: what the ladder suspended
        Subscription.status == SUSPENDED, Subscription.suspended_for == NON_PAYMENT
    )


def _reducible(today: date):
    """SQL: the subscription is one the reduced-speed stage may reach (an internet plan, no
    hold against it)."""
    internet = db.select(Plan.id).where(Plan.kind == "internet")
    return Subscription.plan_id.in_(internet) & ~held(Subscription.id, today, NO_REDUCE)


def _since(column, today: date, days: int):
    """SQL: `column` (an instant) is on a day at least `days` before `today`."""
    return column < local_midnight(today - timedelta(days=days - 1))


def _after_previous_stage(stage: Stage, today: date):
    """SQL: the stage before `stage` has been in force long enough (the gap between their
    days): 30 days at reduced speed before the suspension, 30 days suspended before the
    termination, with the defaults. A subscription the reduced speed cannot reach (no internet
    plan, a hold against it, the stage off) is suspended on its notice alone."""
    ladder = stages()
    if stage.action == SUSPEND and REDUCE in ladder:
        gap = stage.after_days - ladder[REDUCE].after_days
        return ~_reducible(today) | _since(Subscription.speed_reduced_at, today, gap)
    if stage.action == TERMINATE:
        gap = stage.after_days - ladder[SUSPEND].after_days
        return _since(Subscription.status_changed_at, today, gap)
    return true()


def customers_to_warn(stage: Stage, today: date):
    """SELECT the codes of customers whose overdue bills get `stage`'s notice today."""
    return _reachable(stage.action, today).with_only_columns(Subscription.customer_code).distinct()


def _due(stage: Stage, today: date):
    """SELECT the subscriptions `stage` changes today (debt, notice sent long enough ago)."""
    boundary = overdue_boundary(today, stage.after_days)
    return _reachable(stage.action, today).where(
        _overdue(boundary), _announced(stage, today, boundary), _after_previous_stage(stage, today)
    )


def _paid_up_after(today: date, action: str) -> date:
    """Customers with nothing overdue past this boundary get `action`'s stage undone."""
    ladder = stages()
    stage = ladder.get(action) or ladder[SUSPEND]
    return overdue_boundary(today, stage.after_days)


def _restorable(today: date):
    """SELECT the subscriptions at reduced speed whose customer no longer owes past the stage."""
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.status == ACTIVE,
        Subscription.speed_reduced_at.is_not(None),
        ~_overdue(_paid_up_after(today, REDUCE)),
    )


def _liftable(today: date):
    """SELECT the subscriptions suspended for non-payment whose customer owes nothing overdue."""
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.status == SUSPENDED,
        Subscription.suspended_for == NON_PAYMENT,
        ~_overdue(_paid_up_after(today, SUSPEND)),
    )


# The sweep's steps, in order: what the customer paid for is given back first.
LIFT, STEPS = "lift", ("lift", RESTORE, REDUCE, SUSPEND, TERMINATE)
STEP_RESULTS = {
    LIFT: "enabled",
    RESTORE: "restored",
    REDUCE: "reduced",
    SUSPEND: "suspended",
    TERMINATE: "terminated",
}


def _step_query(step: str, today: date):
    if step == LIFT:
        return _liftable(today)
    if step == RESTORE:
        return _restorable(today)
    stage = stages().get(step)
    return None if stage is None else _due(stage, today)


def customers_for(step: str, today: date, after: int, limit: int) -> list[int]:
    """The next `limit` customers (codes above `after`) with a subscription `step` changes."""
    query = _step_query(step, today)
    if query is None:
        return []
    codes = query.with_only_columns(Subscription.customer_code).distinct()
    codes = codes.where(Subscription.customer_code > after).order_by(Subscription.customer_code)
    return list(db.session.scalars(codes.limit(limit)))


def _lock_customers(codes: list[int]) -> None:
    """Lock the customers' rows in code order: the claim that makes a parallel sweep wait."""
    lock_rows(Customer, codes)
    query = db.select(Customer.code).where(among(Customer.code, codes)).order_by(Customer.code)
    db.session.execute(query.with_for_update(of=Customer))


def _locked_ids(query) -> list[int]:
    """Lock the subscriptions `query` selects and return the ids it still selects under the
    lock (a staff change or a hold that got in first wins), in order."""
    ids = sorted({row.id for row in db.session.execute(query)})
    if not ids:
        return []
    lock_rows(Subscription, ids)
    db.session.execute(
        db.select(Subscription.id)
        .where(among(Subscription.id, ids))
        .order_by(Subscription.id)
        .with_for_update(of=Subscription)
    )
    # Re-selected under the locks.
    still = query.where(among(Subscription.id, ids))
    return sorted({row.id for row in db.session.execute(still)})


def _locked(query) -> list[Subscription]:
    """Lock the subscriptions `query` selects and return those it still selects under the lock."""
    ids = _locked_ids(query)
    if not ids:
        return []
    return db.session.scalars(
        db.select(Subscription)
        .where(Subscription.id.in_(ids))
        .order_by(Subscription.id)
        .execution_options(populate_existing=True)
    ).all()


def _still_reducible(subscriptions: list[Subscription], today: date) -> set[int]:
    """Those of these subscriptions whose customer still owes past the reduced-speed stage's
    days (and which that stage may reach): lifted from a suspension, they stay reduced."""
    ladder = stages()
    if REDUCE not in ladder:
        return set()
    boundary = overdue_boundary(today, ladder[REDUCE].after_days)
    query = db.select(Subscription.id).where(
        Subscription.id.in_([subscription.id for subscription in subscriptions]),
        _reducible(today),
        _overdue(boundary),
    )
    return set(db.session.scalars(query))


def _apply(step: str, subscriptions: list[Subscription], today: date) -> dict:
    """Every step but the reduction (set-based, in apply_step) on locked ORM objects."""
    percent = current(BillingPolicy).reduce_speed_percent
    if step == RESTORE:
        restore_speeds(subscriptions)
    else:
        action = {LIFT: ENABLE, SUSPEND: SUSPEND, TERMINATE: CANCEL}[step]
        reason = None
        if action == CANCEL:
            reason = usable_reason(current(BillingPolicy).termination_cancel_reason)
        still = _still_reducible(subscriptions, today) if step == LIFT else set()
        for subscription in subscriptions:
            apply_change(subscription, action, reason, NON_PAYMENT)
        # Paid enough to leave the suspension, not the reduced speed: back a stage only.
        reduce_speeds(
            [subscription for subscription in subscriptions if subscription.id in still], percent
        )
    action = {LIFT: ENABLE, TERMINATE: CANCEL}.get(step, step)
    return {subscription.id: (subscription, action) for subscription in subscriptions}


def apply_step(step: str, codes: list[int], today: date) -> tuple[int, list[int]]:
    """Lock these customers and apply `step` to what is still due for it; return how many
    subscriptions changed and the RFC 5176 requests owed (sent after the commit)."""
    query = _step_query(step, today)
    if query is None or not codes:
        return 0, []
    _lock_customers(codes)
    query = query.where(among(Subscription.customer_code, codes))
    if step == REDUCE:  # set-based: the stage that reaches the most customers at once
        ids = _locked_ids(query)
        return len(ids), reduce_speeds_at_once(ids, reduction_rules())
    subscriptions = _locked(query)
    if not subscriptions:
        return 0, []
    changed = _apply(step, subscriptions, today)
    db.session.flush()
    reduction = reduction_rules() if step == LIFT else None
    return len(changed), follow_changes(changed, reduction)


def refresh_reduced_groups() -> int:
    """Rewrite the reduced group of every plan with logins at reduced speed from the plan's
    speeds and the settings now: a plan's new speeds, or a new percentage, reach its reduced
    logins at the next sweep (their open sessions at their next login). A new percentage also
    starts new reduction periods at it, so the bill credits what the customer had. Returns
    how many groups were written."""
    reduced = db.select(Subscription.plan_id).where(Subscription.speed_reduced_at.is_not(None))
    plans = db.session.scalars(
        db.select(Plan).where(Plan.id.in_(reduced)).order_by(Plan.id)  # one order: no deadlock
    ).all()
    rules = reduction_rules()
    for plan in plans:
        radius.ensure_reduced_group(
            plan.id, plan.upload_kbps, plan.download_kbps, rules.percent, rules.address_list
        )
    reprice_reductions(rules.percent)
    return len(plans)


def lift_paid(codes: list[int], today: date) -> int:
    """Give these customers back what the ladder took that they no longer owe for: full
    speeds and non-payment suspensions. Returns how many subscriptions changed."""
    lifted, _ = apply_step(LIFT, codes, today)
    restored, _ = apply_step(RESTORE, codes, today)
    return lifted + restored


def _taken_by_ladder(code: int):
    """SELECT the customer's subscriptions the ladder suspended or keeps at reduced speed."""
    suspended = (Subscription.status == SUSPENDED) & (Subscription.suspended_for == NON_PAYMENT)
    reduced = (Subscription.status == ACTIVE) & Subscription.speed_reduced_at.is_not(None)
    return db.select(Subscription.id, Subscription.customer_code).where(
        Subscription.customer_code == code, suspended | reduced
    )


def grant_trust_unlock(code: int, until: date, max_days: int, period_days: int):
    """Lift the customer's non-payment suspensions and reduced speeds now and keep the ladder
    off until `until`.

    Refused (409) when the ladder took nothing: the once-per-period allowance is not spent on
    nothing. Returns the unlock and how many subscriptions were given back.
    """
    unlock = record_trust_unlock(code, until, max_days, period_days)
    subscriptions = _locked(_taken_by_ladder(code))
    if not subscriptions:
        raise Conflict(f"Customer {code} has no subscription suspended for non-payment.")
    changed = {}
    for subscription in subscriptions:
        if subscription.status == SUSPENDED:
            apply_change(subscription, ENABLE, None, NON_PAYMENT)
            changed[subscription.id] = (subscription, ENABLE)
        else:
            restore_speeds([subscription])
            changed[subscription.id] = (subscription, RESTORE)
    db.session.flush()
    follow_changes(changed)
    return unlock, len(changed)
