"""Changes to a subscription that RADIUS must follow: its terms, and suspend / enable / cancel.

One operation per change, used alike by staff acting at once (the API) and by scheduled tasks
(the worker), so both record the same history and write the same RADIUS rows. Each returns the
Disconnect-Requests it owes; the caller sends them after commit.
"""

from models.cancel_reasons import usable_reason
from models.clock import local_today
from models.db import db, utcnow
from models.errors import Conflict, Invalid
from models.items import RADIUS_LOGIN, disconnect, live_items, sync_login
from models.subscriptions import (
    ACTIVE,
    CANCELLED,
    SUSPENDED,
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


def why_not(subscription: Subscription, action: str) -> str | None:
    """Why `action` cannot apply to the subscription as it stands, or None if it can."""
    if subscription.status in NEEDS[action]:
        return None
    status = subscription.status
    return f"Subscription {subscription.id} is {status}; it cannot be {PAST_TENSE[action]}."


def _sync_logins(subscription: Subscription) -> list[str]:
    """Rewrite every login's RADIUS rows; return the logins that lost access."""
    lost = []
    for login in live_items(subscription.id, RADIUS_LOGIN):
        lost += sync_login(login)
    return lost


def change_status(
    subscription_id: int,
    action: str,
    cancel_reason: str | None = None,
    reason_checked: bool = False,
) -> tuple[Subscription, list[int]]:
    """Suspend, enable or cancel a subscription now; return it and the disconnects owed.

    A suspension or cancellation ends the logins' open sessions (Disconnect-Request). A
    scheduled cancellation passes `reason_checked`: its reason was valid when it was scheduled.
    """
    subscription = get_subscription(subscription_id, for_update=True)
    if action == CANCEL:
        cancel_reason = cancel_reason if reason_checked else usable_reason(cancel_reason)
    elif cancel_reason is not None:
        raise Invalid.field("cancel_reason", "Only a cancellation takes a reason.")
    refusal = why_not(subscription, action)
    if refusal:
        raise Conflict(refusal)
    subscription.status = LEADS_TO[action]
    subscription.status_changed_at = utcnow()
    if action == CANCEL:
        subscription.cancel_reason = cancel_reason
    db.session.flush()
    lost = _sync_logins(subscription)
    owed = disconnect(lost, subscription.id, action) if action != ENABLE else []
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
    new_plan = None
    if "plan_id" in changes:
        new_plan = sellable_plan(changes.pop("plan_id"))
        if new_plan.kind != subscription.plan.kind:
            raise Conflict(f"The new plan must also be a {subscription.plan.kind} plan.")
        subscription.plan_id, subscription.plan = new_plan.id, new_plan
    if "first_due_date" in changes and changes["first_due_date"] < local_today():
        raise Invalid.field("first_due_date", "Cannot be in the past.")
    for key, value in changes.items():
        setattr(subscription, key, value)
    check_terms(subscription)
    db.session.flush()
    if new_plan is not None:
        _sync_logins(subscription)
    return subscription
