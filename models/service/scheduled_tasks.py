"""Scheduled tasks ("Tarefas Programadas", manual [6.4]): suspend, enable or cancel on a date.

The row is the schedule (DESIGN.md, rule 4). Beat's sweep claims due rows (`claim_due_tasks`),
moving them to `running` with a lease, and hands their ids to workers; `apply_task` locks the row,
re-checks it, changes the subscription through the same operation staff use, and marks it `done`,
all in the caller's one transaction. A task whose worker vanished is claimed again once its lease
ends; a task already `done` is never applied twice, whoever asks.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Actor, Audited, current_actor, set_actor
from models.clock import local_today, utcnow
from models.db import UTCDateTime, claim_due, db, get_or_none, get_row, lock_rows, paginate
from models.errors import Conflict, Invalid, NotFound
from models.service.cancel_reasons import usable_reason
from models.service.subscription_changes import (
    ACTIONS,
    CANCEL,
    LEADS_TO,
    NEEDS,
    apply_change,
    follow_changes,
    why_not,
)
from models.service.subscriptions import BY_SCHEDULE, Subscription

PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"
STATUSES = (PENDING, RUNNING, DONE, FAILED, CANCELLED)
# A task a worker started this many times without finishing is given up (it kills workers).
MAX_ATTEMPTS = 5


class ScheduledTask(Audited, db.Model):
    """A suspension, re-enabling or cancellation to apply on `run_on` (a date in the ISP's zone)."""

    __tablename__ = "scheduled_tasks"
    __table_args__ = (
        CheckConstraint(f"kind IN {ACTIONS!r}", name="kind_known"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(
            "(kind = 'cancel') = (cancel_reason IS NOT NULL)", name="reason_iff_cancel"
        ),
        Index("ix_scheduled_tasks_status_run_on", "status", "run_on"),
        Index("ix_scheduled_tasks_customer_code", "customer_code", "id"),
    )
    # Claiming and counting attempts is bookkeeping, not a change anyone made.
    __audit_ignore__ = frozenset({"created_at", "claimed_at", "lease_until", "attempts"})

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(Integer)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    run_on: Mapped[date] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scheduled_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Times a worker started on it; a task that keeps killing its worker is given up.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(Text)

    def audit_customer_code(self) -> int:
        return self.customer_code


def _status_on(subscription: Subscription, run_on: date) -> str:
    """The subscription's status on `run_on`, once the pending tasks due by then have run."""
    status = subscription.status
    earlier = db.select(ScheduledTask).where(
        ScheduledTask.subscription_id == subscription.id,
        ScheduledTask.status.in_((PENDING, RUNNING)),
        ScheduledTask.run_on <= run_on,
    )
    for task in db.session.scalars(earlier.order_by(ScheduledTask.run_on, ScheduledTask.id)):
        if status in NEEDS[task.kind]:
            status = LEADS_TO[task.kind]
    return status


def schedule(customer_code: int, data: dict) -> ScheduledTask:
    """Schedule a task from validated input; the current user is who scheduled it.

    Refused (409) when it could not apply on its date, counting the tasks scheduled before it:
    "enable on the 20th" is fine after "suspend on the 10th".
    """
    subscription = get_or_none(Subscription, data["subscription_id"])
    if subscription is None or subscription.customer_code != customer_code:
        raise Invalid.field("subscription_id", f"Not a subscription of customer {customer_code}.")
    subscription = get_row(Subscription, subscription.id, "Subscription", for_update=True)
    kind, reason = data["kind"], data.get("cancel_reason")
    if kind == CANCEL:
        reason = usable_reason(reason)
    elif reason is not None:
        raise Invalid.field("cancel_reason", "Only a cancellation takes a reason.")
    if data["run_on"] < local_today():
        raise Invalid.field("run_on", "Cannot be in the past.")
    status = _status_on(subscription, data["run_on"])
    if status not in NEEDS[kind]:
        raise Conflict(
            f"On {data['run_on']} the subscription will be {status}: it cannot be {kind}ed."
        )
    actor: Actor = current_actor(db.session)
    task = ScheduledTask(
        customer_code=customer_code,
        subscription_id=subscription.id,
        kind=kind,
        run_on=data["run_on"],
        cancel_reason=reason,
        status=PENDING,
        scheduled_by_id=actor.user_id,
        scheduled_by=actor.username,
    )
    db.session.add(task)
    db.session.flush()
    return task


def get_task(customer_code: int, task_id: int, for_update: bool = False) -> ScheduledTask:
    task = get_row(ScheduledTask, task_id, "Scheduled task", for_update)
    if task.customer_code != customer_code:
        raise NotFound(f"Scheduled task {task_id} not found.")
    return task


def withdraw(customer_code: int, task_id: int) -> ScheduledTask:
    """Withdraw a pending task (status `cancelled`); one that ran or is running stays."""
    task = get_task(customer_code, task_id, for_update=True)
    if task.status != PENDING:
        raise Conflict(
            f"Scheduled task {task_id} is {task.status}; only a pending one can be withdrawn."
        )
    task.status = CANCELLED
    db.session.flush()
    return task


def withdraw_for_cancelled(subscription_ids: list[int]) -> None:
    """Withdraw the pending tasks of subscriptions just cancelled: none of them can apply now."""
    query = db.select(ScheduledTask).where(
        ScheduledTask.subscription_id.in_(subscription_ids), ScheduledTask.status == PENDING
    )
    for task in db.session.scalars(query.with_for_update()):
        task.status, task.failure_reason = CANCELLED, "The subscription was cancelled."
    db.session.flush()


def list_tasks(
    customer_code: int, status: str | None, page: int, per_page: int
) -> tuple[list[ScheduledTask], int]:
    """A customer's scheduled tasks, newest first, optionally in one status."""
    query = db.select(ScheduledTask).where(ScheduledTask.customer_code == customer_code)
    if status is not None:
        query = query.where(ScheduledTask.status == status)
    return paginate(query.order_by(ScheduledTask.id.desc()), page, per_page)


def claim_due_tasks(limit: int, lease: timedelta) -> list[int]:
    """Claim pending tasks due today or earlier, and running ones whose lease ran out.

    Only a subscription's earliest unfinished task is claimed: batches run in parallel, so a
    later task (enable after suspend) waits for the next sweep rather than overtake it.
    """
    now = utcnow()
    table = ScheduledTask.__table__
    due = ((table.c.status == PENDING) & (table.c.run_on <= local_today(now))) | (
        (table.c.status == RUNNING) & (table.c.lease_until < now)
    )
    earlier = table.alias("earlier")
    overtakes = (
        db.select(earlier.c.id)
        .where(
            earlier.c.subscription_id == table.c.subscription_id,
            earlier.c.status.in_((PENDING, RUNNING)),
            or_(
                earlier.c.run_on < table.c.run_on,
                (earlier.c.run_on == table.c.run_on) & (earlier.c.id < table.c.id),
            ),
        )
        .exists()
    )
    claimed = {"status": RUNNING, "claimed_at": now, "lease_until": now + lease}
    order = (table.c.run_on, table.c.id)
    return claim_due(table, due & ~overtakes, claimed, limit, order_by=order)


def count_attempt(task_ids: list[int]) -> None:
    """Note that a worker starts on these tasks (committed before it applies them)."""
    db.session.execute(
        db.update(ScheduledTask)
        .where(ScheduledTask.id.in_(task_ids), ScheduledTask.status == RUNNING)
        .values(attempts=ScheduledTask.attempts + 1)
    )


def _finish(task: ScheduledTask, status: str, failure: str | None = None) -> None:
    task.status, task.failure_reason, task.executed_at = status, failure, utcnow()
    task.lease_until = None


def _lock_running(task_ids: list[int]) -> list[ScheduledTask]:
    """Lock the tasks (in id order, so batches never deadlock) that are still `running`."""
    query = db.select(ScheduledTask).where(ScheduledTask.id.in_(task_ids))
    lock_rows(ScheduledTask, task_ids)
    tasks = db.session.scalars(
        query.order_by(ScheduledTask.id).with_for_update().execution_options(populate_existing=True)
    )
    return [task for task in tasks if task.status == RUNNING]


def _lock_subscriptions(ids: set[int]) -> dict[int, Subscription]:
    lock_rows(Subscription, sorted(ids))
    query = (
        db.select(Subscription)
        .where(Subscription.id.in_(ids))
        .order_by(Subscription.id)
        .with_for_update(of=Subscription)
        .execution_options(populate_existing=True)
    )
    return {subscription.id: subscription for subscription in db.session.scalars(query)}


def apply_tasks(task_ids: list[int]) -> list[int]:
    """Apply claimed tasks in the caller's one transaction; return the disconnects owed.

    The tasks' rows are locked first: a second worker given the same ids waits, then finds them
    done and does nothing. Each task is re-checked against its subscription as the tasks before
    it left it (else `failed` with the reason). History names the user who scheduled each one,
    done by the system; RADIUS follows all of them at once (models.service.subscription_changes).
    """
    tasks = _lock_running(task_ids)
    if not tasks:
        return []
    subscriptions = _lock_subscriptions({task.subscription_id for task in tasks})
    changed: dict[int, tuple[Subscription, str]] = {}
    actor, unflushed = None, set()
    for task in sorted(tasks, key=lambda task: (task.run_on, task.id)):
        task_actor = Actor(username=task.scheduled_by, user_id=task.scheduled_by_id, by_system=True)
        if task_actor != actor or task.subscription_id in unflushed:
            # History is written per flush, for the actor of the moment, one change per row.
            db.session.flush()
            set_actor(db.session, task_actor)
            actor, unflushed = task_actor, set()
        subscription = subscriptions[task.subscription_id]
        refusal = why_not(subscription, task.kind)
        if task.attempts > MAX_ATTEMPTS:
            _finish(task, FAILED, f"Gave up after {MAX_ATTEMPTS} attempts that did not finish.")
        elif refusal:  # the subscription changed since it was scheduled
            _finish(task, FAILED, refusal)
        else:
            apply_change(subscription, task.kind, task.cancel_reason, BY_SCHEDULE)
            changed[subscription.id] = (subscription, task.kind)
            unflushed.add(subscription.id)
            _finish(task, DONE)
    db.session.flush()
    if not changed:
        return []
    return follow_changes(changed)


def apply_task(task_id: int) -> list[int]:
    """Apply one claimed task (see `apply_tasks`)."""
    return apply_tasks([task_id])
