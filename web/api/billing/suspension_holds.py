"""Trust unlocks ("desbloqueio de confiança") and holds ("Suspensão Programada") on the
non-payment ladder [5.1.1]."""

from flask import url_for

from models.billing import auto_suspension, suspension_holds
from models.billing.settings import BillingPolicy
from models.settings import current
from schemas.billing.suspension_holds import (
    AllHoldsQuery,
    HoldQuery,
    SuspensionHoldInput,
    SuspensionHoldOutput,
    SuspensionHoldPage,
    TrustUnlockInput,
    TrustUnlockOutput,
    TrustUnlockPage,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint(
    "suspension_holds", __name__, description="Trust unlocks and holds of non-payment suspension"
)


def _page(found_total: tuple, args: dict) -> dict:
    found, total = found_total
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/customers/<int:code>/trust-unlocks", methods=["GET"])
@blp.arguments(HoldQuery, location="query")
@blp.response(200, TrustUnlockPage)
@requires("suspension_holds", READ)
def list_trust_unlocks(args, code):
    """The customer's trust unlocks, newest first."""
    return _page(suspension_holds.list_trust_unlocks(code, args["page"], args["per_page"]), args)


@blp.route("/customers/<int:code>/trust-unlock", methods=["POST"])
@blp.arguments(TrustUnlockInput)
@blp.created(TrustUnlockOutput, "trust unlock")
@blp.alt_response(409, description="Nothing suspended for non-payment, or one too soon")
@blp.alt_response(422, description="`until` in the past or too far ahead")
@requires("suspension_holds", WRITE)
def trust_unlock(data, code):
    """Enable the subscriptions suspended for non-payment and give reduced speeds back now; the
    ladder leaves the customer alone until `until`, then goes on if still overdue. Once per
    period."""
    policy = current(BillingPolicy)
    unlock, _ = auto_suspension.grant_trust_unlock(
        code, data["until"], policy.trust_unlock_max_days, policy.trust_unlock_period_days
    )
    return unlock, 201, {"Location": url_for(".list_trust_unlocks", code=code)}


@blp.route("/subscriptions/<int:subscription_id>/suspension-holds", methods=["GET"])
@blp.arguments(HoldQuery, location="query")
@blp.response(200, SuspensionHoldPage)
@requires("suspension_holds", READ)
def list_holds(args, subscription_id):
    """The subscription's holds, newest first (lifted and past ones included)."""
    return _page(suspension_holds.list_holds(subscription_id, args["page"], args["per_page"]), args)


@blp.route("/suspension-holds", methods=["GET"])
@blp.arguments(AllHoldsQuery, location="query")
@blp.response(200, SuspensionHoldPage)
@requires("suspension_hold_list", READ)
def list_all_holds(args):
    """Every Suspensão Programada, newest first, optionally by status (in_force, lifted,
    expired)."""
    found = suspension_holds.list_all_holds(args.get("status"), args["page"], args["per_page"])
    return _page(found, args)


@blp.route("/subscriptions/<int:subscription_id>/suspension-hold", methods=["POST"])
@blp.arguments(SuspensionHoldInput)
@blp.created(SuspensionHoldOutput, "suspension hold")
@blp.alt_response(409, description="Cancelled, or already held")
@blp.alt_response(422, description="`until` in the past")
@requires("suspension_holds", WRITE)
def place_hold(data, subscription_id):
    """Suspensão Programada: keep the ladder from suspending (`no_suspend`) and/or reducing
    the speeds of (`no_reduce`) this subscription until `until`."""
    hold = suspension_holds.place_hold(
        subscription_id, data["until"], data["reason"], data["no_suspend"], data["no_reduce"]
    )
    location = url_for(".list_holds", subscription_id=subscription_id)
    return hold, 201, {"Location": location}


@blp.route("/subscriptions/<int:subscription_id>/suspension-hold", methods=["DELETE"])
@blp.response(200, SuspensionHoldOutput)
@requires("suspension_holds", WRITE)
def lift_hold(subscription_id):
    """Lift the hold in force early (404 when there is none): the next sweep may suspend."""
    hold = suspension_holds.lift_hold(subscription_id)
    return hold
