"""Subscriptions [6.1]: contract, terms, installation, and suspend / enable / cancel now."""

from flask import url_for

from models.errors import NotFound
from models.service import installations, subscription_changes, subscriptions
from schemas.service.subscriptions import (
    AgendaQuery,
    CancelInput,
    InstallationInput,
    InstallationOutput,
    InstallationPage,
    SubscriptionInput,
    SubscriptionOutput,
    SubscriptionPage,
    SubscriptionPatch,
    SubscriptionQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("subscriptions", __name__, description="Customers' subscriptions to plans")


@blp.route("/customers/<int:code>/subscriptions", methods=["GET"])
@blp.arguments(SubscriptionQuery, location="query")
@blp.response(200, SubscriptionPage)
@requires("subscriptions", READ)
def list_subscriptions(args, code):
    """A customer's subscriptions: ?status=active (in force) or inactive (cancelled)."""
    items, total = subscriptions.list_subscriptions(
        code, args.get("status"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/customers/<int:code>/subscriptions", methods=["POST"])
@blp.arguments(SubscriptionInput)
@blp.created(SubscriptionOutput, "subscription")
@blp.alt_response(409, description="The customer is inactive")
@requires("subscriptions", WRITE)
def create_subscription(data, code):
    """Subscribe the customer to a plan; answers the plan summary [6.1.3]."""
    subscription = subscriptions.create_subscription(code, data)
    location = url_for(".get_subscription", subscription_id=subscription.id)
    return subscription, 201, {"Location": location}


@blp.route("/subscriptions/<int:subscription_id>", methods=["GET"])
@blp.response(200, SubscriptionOutput)
@requires("subscriptions", READ)
def get_subscription(subscription_id):
    """One subscription."""
    return subscriptions.get_subscription(subscription_id)


@blp.route("/subscriptions/<int:subscription_id>", methods=["PATCH"])
@blp.arguments(SubscriptionPatch)
@blp.response(200, SubscriptionOutput)
@blp.alt_response(409, description="Cancelled, or a plan of another kind")
@requires("subscriptions", WRITE)
def update_subscription(changes, subscription_id):
    """Change the terms; a new plan (same kind) moves its logins to the plan's RADIUS group."""
    subscription = subscription_changes.update_subscription(subscription_id, changes)
    return subscription


def _change_status(subscription_id: int, action: str, cancel_reason: str | None = None):
    subscription, _ = subscription_changes.change_status(subscription_id, action, cancel_reason)
    return subscription


@blp.route("/subscriptions/<int:subscription_id>/suspend", methods=["POST"])
@blp.response(200, SubscriptionOutput)
@blp.alt_response(409, description="Not active")
@requires("subscriptions", WRITE)
def suspend(subscription_id):
    """Suspend now: logins move to the suspended group and open sessions are disconnected."""
    return _change_status(subscription_id, subscription_changes.SUSPEND)


@blp.route("/subscriptions/<int:subscription_id>/enable", methods=["POST"])
@blp.response(200, SubscriptionOutput)
@blp.alt_response(409, description="Not suspended")
@requires("subscriptions", WRITE)
def enable(subscription_id):
    """Enable a suspended subscription now: logins return to the plan's group."""
    return _change_status(subscription_id, subscription_changes.ENABLE)


@blp.route("/subscriptions/<int:subscription_id>/cancel", methods=["POST"])
@blp.arguments(CancelInput)
@blp.response(200, SubscriptionOutput)
@blp.alt_response(409, description="Already cancelled")
@requires("subscriptions", WRITE)
def cancel(data, subscription_id):
    """Cancel now, with a reason: RADIUS rows go, open sessions are disconnected, and the
    subscription's pending scheduled tasks are withdrawn."""
    return _change_status(subscription_id, subscription_changes.CANCEL, data["cancel_reason"])


@blp.route("/subscriptions/<int:subscription_id>/installation", methods=["POST"])
@blp.arguments(InstallationInput)
@blp.response(200, InstallationOutput, description="Rescheduled")
@blp.alt_response(201, schema=InstallationOutput, description="Scheduled")
@blp.alt_response(409, description="The subscription is cancelled")
@requires("subscriptions", WRITE)
def schedule_installation(data, subscription_id):
    """Schedule the installation [6.1.4] (again: it is rescheduled)."""
    installation, created = installations.schedule_installation(subscription_id, data)
    return installation, 201 if created else 200


@blp.route("/subscriptions/<int:subscription_id>/installation", methods=["GET"])
@blp.response(200, InstallationOutput)
@requires("subscriptions", READ)
def get_installation(subscription_id):
    """The subscription's scheduled installation."""
    subscriptions.get_subscription(subscription_id)
    installation = installations.installation_of(subscription_id)
    if installation is None:
        raise NotFound(f"Subscription {subscription_id} has no installation scheduled.")
    return installation


@blp.route("/installations", methods=["GET"])
@blp.arguments(AgendaQuery, location="query")
@blp.response(200, InstallationPage)
@requires("subscriptions", READ)
def agenda(args):
    """The technicians' agenda: ?date= and ?technician= (a user id)."""
    items, total = installations.agenda(
        args.get("date"), args.get("technician"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
