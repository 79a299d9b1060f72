"""Changes to a subscription that RADIUS must follow: its terms, suspend / enable / cancel, and
the non-payment ladder's reduced speed (reduce / restore: the status stays active).

One operation per change, used alike by staff acting at once (the API) and by scheduled tasks
(the worker), so both record the same history and write the same RADIUS rows. The
Disconnect-Requests a change owes are sent by workers after the commit (models/effects.py).
"""

from dataclasses import dataclass

from models.backend import among
from models.billing.billing_accounts import usable_account
from models.bulk_history import record_updated
from models.clock import local_today, utcnow
from models.db import db
from models.errors import Conflict, Invalid
from models.service import radius
from models.service.cancel_reasons import usable_reason
from models.service.items import (
    RADIUS_LOGIN,
    live_items,
    live_logins,
    live_logins_of,
    sync_login,
)
from models.service.plans import Plan
from models.service.radius_disconnects import (
    owe_coa,
    owe_coa_to_logins,
    owe_disconnects,
    supersede,
)
from models.service.speed_reductions import (
    close_reductions,
    open_percent,
    open_reductions,
    open_reductions_of,
)
from models.service.subscriptions import (
    ACTIVE,
    BY_STAFF,
    CANCELLED,
    SUSPENDED,
    SUSPENSION_REASONS,
    Subscription,
    check_terms,
    get_subscription,
    sellable_plan,
)

SUSPEND, ENABLE, CANCEL = "suspend", "enable", "cancel"
ACTIONS = (SUSPEND, ENABLE, CANCEL)
# The status each action needs, and the one it leads to.
NEEDS = {SUSPEND: (ACTIVE,), ENABLE: (SUSPENDED,), CANCEL: (ACTIVE, SUSPENDED)}
LEADS_TO = {SUSPEND: SUSPENDED, ENABLE: ACTIVE, CANCEL: CANCELLED}
PAST_TENSE = {SUSPEND: "suspended", ENABLE: "enabled", CANCEL: "cancelled"}
# The ladder's partial suspension: speeds cut (a CoA-Request, no disconnect) and given back.
REDUCE, RESTORE = "reduce", "restore"


@dataclass(frozen=True)
class Reduction:
    """How the ladder reduces speeds: the percentage kept and the router's address list."""

    percent: int
    address_list: str | None = None


def why_not(subscription: Subscription, action: str) -> str | None:
    """Why `action` cannot apply to the subscription as it stands, or None if it can."""
    if subscription.status in NEEDS[action]:
        return None
    status = subscription.status
    return f"Subscription {subscription.id} is {status}; it cannot be {PAST_TENSE[action]}."


def _sync_logins(subscription: Subscription) -> None:
    """Rewrite every login's RADIUS rows (its plan, and so its group, changed)."""
    for login in live_items(subscription.id, RADIUS_LOGIN):
        sync_login(login)


def reduce_speeds(subscriptions: list[Subscription], percent: int) -> None:
    """Mark locked active subscriptions as at reduced speed (RADIUS follows in follow_changes)."""
    now = utcnow()
    for subscription in subscriptions:
        subscription.speed_reduced_at = now
    open_reductions(subscriptions, percent)


def reduce_speeds_at_once(subscription_ids: list[int], reduction: Reduction) -> list[int]:
    """Put locked active subscriptions at full speed at reduced speed, RADIUS following, and
    return the CoA-Requests owed (sent after the commit): reduce_speeds and follow_changes
    for the ladder's reduced-speed stage.

    Set-based, a few statements per plan for any number of subscriptions (the ladder reduces
    thousands at once): speed_reduced_at set and its history entry, a reduction period opened,
    the logins moved to their plan's reduced group, a CoA-Request with the reduced rate limit
    per open session.
    """
    if not subscription_ids:
        return []
    now = utcnow()
    chosen = among(Subscription.id, subscription_ids)
    db.session.execute(
        db.update(Subscription)
        .where(chosen)
        .values(speed_reduced_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    record_updated(Subscription, subscription_ids, {"speed_reduced_at": (None, now)})
    open_reductions_of(
        db.select(Subscription.id, Subscription.customer_code).where(chosen), reduction.percent
    )
    owed = []
    plans = db.select(Subscription.plan_id).where(chosen).distinct()
    for plan in db.session.scalars(db.select(Plan).where(Plan.id.in_(plans)).order_by(Plan.id)):
        logins = live_logins_of(
            db.select(Subscription.id).where(chosen, Subscription.plan_id == plan.id)
        )
        radius.move_logins(
            logins,
            radius.ensure_reduced_group(
                plan.id,
                plan.upload_kbps,
                plan.download_kbps,
                reduction.percent,
                reduction.address_list,
            ),
        )
        limit = radius.reduced_rate_limit(plan.upload_kbps, plan.download_kbps, reduction.percent)
        if (limit, reduction.address_list) != (None, None):
            owed += owe_coa_to_logins(logins, REDUCE, (limit, reduction.address_list))
    return owed


def restore_speeds(subscriptions: list[Subscription]) -> None:
    """Give locked subscriptions their full speeds back (RADIUS follows in follow_changes)."""
    for subscription in subscriptions:
        subscription.speed_reduced_at = None
    close_reductions([subscription.id for subscription in subscriptions])


def _reduced_groups(changed: dict, reduction: Reduction | None) -> dict[int, str]:
    """The reduced group of each plan with a changed subscription at reduced speed, its rows
    written (in plan order: parallel writers never deadlock) when `reduction` says how."""
    plans = {
        subscription.plan.id: subscription.plan
        for subscription, _ in changed.values()
        if subscription.status == ACTIVE and subscription.speed_reduced_at is not None
    }
    groups = {}
    for plan_id in sorted(plans):
        plan = plans[plan_id]
        if reduction is None:  # rows written by the ladder when it reduced the speeds
            groups[plan_id] = radius.reduced_group(plan_id)
        else:
            groups[plan_id] = radius.ensure_reduced_group(
                plan_id,
                plan.upload_kbps,
                plan.download_kbps,
                reduction.percent,
                reduction.address_list,
            )
    return groups


def _coa_attributes(
    subscription: Subscription, reduction: Reduction | None
) -> tuple[str | None, str | None]:
    """(rate limit, address list) a CoA-Request gives an open session of the subscription."""
    plan = subscription.plan
    if subscription.speed_reduced_at is None or reduction is None:
        return radius.rate_limit(plan.upload_kbps, plan.download_kbps), None
    limit = radius.reduced_rate_limit(plan.upload_kbps, plan.download_kbps, reduction.percent)
    return limit, reduction.address_list


def follow_in_radius(
    changed: dict[int, tuple[Subscription, str]], reduction: Reduction | None = None
) -> list[int]:
    """Make RADIUS follow status changes already made; return the RFC 5176 requests owed.

    `changed` maps subscription id -> (subscription, the last action applied to it). Set-based
    (a few statements for any number of subscriptions): logins of active subscriptions go to
    their plan's group (its reduced group while the ladder reduces it), of suspended ones to the
    suspended group, of cancelled ones away. Passwords and IPs do not change with a status, so
    their rows stay. A suspension or a cancellation owes a Disconnect-Request per open session;
    a reduction or a restored speed a CoA-Request with the new rate limit. `reduction` (the
    ladder's rules) is needed only when speeds are reduced.
    """
    groups, removed, owners, changes, attributes = {}, [], {}, {}, {}
    suspended_group, reduced_groups = None, _reduced_groups(changed, reduction)
    for login in live_logins(list(changed)):
        subscription, action = changed[login.subscription_id]
        if subscription.status == CANCELLED:
            removed.append(login.username)
        elif subscription.status == ACTIVE and subscription.speed_reduced_at is not None:
            groups[login.username] = reduced_groups[subscription.plan.id]
        elif subscription.status == ACTIVE:
            groups[login.username] = subscription.plan.radius_group
        else:
            suspended_group = suspended_group or radius.ensure_suspended_group()
            groups[login.username] = suspended_group
        if subscription.status != ACTIVE and action != ENABLE:
            owners[login.username] = (subscription.id, action)
        elif action in (REDUCE, RESTORE):
            new = _coa_attributes(subscription, reduction)
            if new != (None, None):
                changes[login.username], attributes[login.username] = (subscription.id, action), new
    radius.set_groups(groups)
    radius.remove_logins(removed)
    enabled = [
        sid
        for sid, (subscription, action) in changed.items()
        if subscription.status == ACTIVE and action not in (REDUCE, RESTORE)
    ]
    if enabled:
        supersede(enabled)  # a suspension's request not sent yet would cut an enabled customer
    owed = owe_disconnects(radius.open_sessions(list(owners)), owners)
    return owed + owe_coa(radius.open_sessions(list(changes)), changes, attributes)


def follow_changes(
    changed: dict[int, tuple[Subscription, str]], reduction: Reduction | None = None
) -> list[int]:
    """Everything status changes already made bring along, however they were made: pending
    scheduled tasks of cancelled subscriptions withdrawn, RADIUS followed (see above)."""
    # Imported here: scheduled tasks are built on this module's operations.
    from models.service.scheduled_tasks import withdraw_for_cancelled

    cancelled = [sid for sid, (_, action) in changed.items() if action == CANCEL]
    if cancelled:
        withdraw_for_cancelled(cancelled)
    return follow_in_radius(changed, reduction)


def apply_change(
    subscription: Subscription,
    action: str,
    cancel_reason: str | None,
    suspended_for: str = BY_STAFF,
) -> None:
    """Change a locked subscription's status (no checks, no RADIUS: the callers do both).

    A suspension records who caused it (`suspended_for`): only non-payment ones lift by
    themselves when the customer pays."""
    if action != ENABLE and subscription.speed_reduced_at is not None:
        restore_speeds([subscription])  # the reduction period ends with the suspension
    subscription.status = LEADS_TO[action]
    subscription.status_changed_at = utcnow()
    suspending = action == SUSPEND
    subscription.suspended_for = suspended_for if suspending else None
    subscription.suspension_reason = SUSPENSION_REASONS.get(suspended_for) if suspending else None
    if action == CANCEL:
        subscription.cancel_reason = cancel_reason


def change_status(
    subscription_id: int, action: str, cancel_reason: str | None = None
) -> tuple[Subscription, list[int]]:
    """Suspend, enable or cancel a subscription now; return it and the disconnects owed.

    A suspension or cancellation ends the logins' open sessions (Disconnect-Requests, sent after
    the commit); a cancellation withdraws the pending scheduled tasks. Scheduled tasks apply
    many at once through `apply_change` and `follow_changes`.
    """
    subscription = get_subscription(subscription_id, for_update=True)
    if action == CANCEL:
        cancel_reason = usable_reason(cancel_reason)
    elif cancel_reason is not None:
        raise Invalid.field("cancel_reason", "Only a cancellation takes a reason.")
    refusal = why_not(subscription, action)
    if refusal:
        raise Conflict(refusal)
    apply_change(subscription, action, cancel_reason)
    db.session.flush()
    owed = follow_changes({subscription.id: (subscription, action)})
    return subscription, owed


def update_subscription(subscription_id: int, changes: dict) -> Subscription:
    """Change the terms of a subscription in force [6.1.5.1]; a cancelled one is closed.

    A new plan must be of the same kind (its items depend on it); its RADIUS group applies at
    once to the subscription's logins.
    """
    subscription = get_subscription(subscription_id, for_update=True)
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription_id} is cancelled; it cannot change.")
    changes = dict(changes)
    new_plan, old_plan_id = None, subscription.plan_id
    if "plan_id" in changes:
        new_plan = sellable_plan(changes.pop("plan_id"))
        if new_plan.kind != subscription.plan.kind:
            raise Conflict(f"The new plan must also be a {subscription.plan.kind} plan.")
        subscription.plan_id, subscription.plan = new_plan.id, new_plan
    if "first_due_date" in changes and changes["first_due_date"] < local_today():
        raise Invalid.field("first_due_date", "Cannot be in the past.")
    if "billing_account_id" in changes:
        usable_account(changes["billing_account_id"])
    for key, value in changes.items():
        setattr(subscription, key, value)
    check_terms(subscription)
    db.session.flush()
    if new_plan is not None and subscription.speed_reduced_at is not None:
        _move_reduced(subscription, old_plan_id)
    elif new_plan is not None:
        _sync_logins(subscription)
    return subscription


def _move_reduced(subscription: Subscription, old_plan_id: int) -> list[int]:
    """A subscription at reduced speed changed plans: its logins go to the new plan's reduced
    group (written at the same percentage and address list as the old one's) and open sessions
    get the new reduced rate by CoA-Request."""
    percent = open_percent(subscription.id)
    address_list = radius.group_reply(
        radius.reduced_group(old_plan_id), radius.ADDRESS_LIST_ATTRIBUTE
    )
    reduction = Reduction(percent, address_list) if percent is not None else None
    return follow_in_radius({subscription.id: (subscription, REDUCE)}, reduction)
