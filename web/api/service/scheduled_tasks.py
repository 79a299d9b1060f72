"""Scheduled tasks [6.4]: suspend, enable or cancel on a date; and the cancel reasons."""

from flask import url_for

from models.customers.customers import get_customer
from models.service import cancel_reasons, scheduled_tasks
from schemas.service.scheduled_tasks import (
    CancelReasonInput,
    CancelReasonList,
    CancelReasonOutput,
    CancelReasonPatch,
    CancelReasonQuery,
    ScheduledTaskInput,
    ScheduledTaskOutput,
    ScheduledTaskPage,
    ScheduledTaskPatch,
    ScheduledTaskQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("scheduled_tasks", __name__, description="Scheduled suspend, enable and cancel")


@blp.route("/customers/<int:code>/scheduled-tasks", methods=["GET"])
@blp.arguments(ScheduledTaskQuery, location="query")
@blp.response(200, ScheduledTaskPage)
@requires("subscriptions", READ)
def list_tasks(args, code):
    """The customer's scheduled tasks with their status, newest first."""
    get_customer(code)
    found, total = scheduled_tasks.list_tasks(
        code, args.get("status"), args["page"], args["per_page"]
    )
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/customers/<int:code>/scheduled-tasks", methods=["POST"])
@blp.arguments(ScheduledTaskInput)
@blp.created(ScheduledTaskOutput, "scheduled task")
@blp.alt_response(409, description="It could not apply on that date")
@requires("subscriptions", WRITE)
def schedule(data, code):
    """Schedule a suspension, re-enabling or cancellation of one of the customer's plans."""
    get_customer(code)
    task = scheduled_tasks.schedule(code, data)
    return task, 201, {"Location": url_for(".get_task", code=code, task_id=task.id)}


@blp.route("/customers/<int:code>/scheduled-tasks/<int:task_id>", methods=["GET"])
@blp.response(200, ScheduledTaskOutput)
@requires("subscriptions", READ)
def get_task(code, task_id):
    """One scheduled task."""
    return scheduled_tasks.get_task(code, task_id)


@blp.route("/customers/<int:code>/scheduled-tasks/<int:task_id>", methods=["PATCH"])
@blp.arguments(ScheduledTaskPatch)
@blp.response(200, ScheduledTaskOutput)
@blp.alt_response(409, description="Not pending any more")
@requires("subscriptions", WRITE)
def withdraw(_data, code, task_id):
    """Withdraw a pending task: {"status": "cancelled"}."""
    task = scheduled_tasks.withdraw(code, task_id)
    return task


@blp.route("/cancel-reasons", methods=["GET"])
@blp.arguments(CancelReasonQuery, location="query")
@blp.response(200, CancelReasonList)
@requires("cancel_reasons", READ)
def list_reasons(args):
    """The reasons a cancellation may give; ?active=true for the ones in use."""
    return {"items": cancel_reasons.list_reasons(args.get("active"))}


@blp.route("/cancel-reasons", methods=["POST"])
@blp.arguments(CancelReasonInput)
@blp.created(CancelReasonOutput, "cancel reason")
@blp.alt_response(409, description="Already a reason")
@requires("cancel_reasons", WRITE)
def create_reason(data):
    """Add a cancel reason."""
    reason = cancel_reasons.create_reason(data)
    return reason, 201, {"Location": url_for(".list_reasons")}


@blp.route("/cancel-reasons/<int:reason_id>", methods=["PATCH"])
@blp.arguments(CancelReasonPatch)
@blp.response(200, CancelReasonOutput)
@blp.alt_response(409, description="Already a reason")
@requires("cancel_reasons", WRITE)
def update_reason(changes, reason_id):
    """Rename a reason, or withdraw it ({"active": false}); past records keep their text."""
    reason = cancel_reasons.update_reason(reason_id, changes)
    return reason
