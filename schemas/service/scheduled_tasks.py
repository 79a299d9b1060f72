"""Scheduled tasks [6.4] and the cancel reasons they and cancellations use."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from models.service.scheduled_tasks import CANCELLED, STATUSES
from models.service.subscription_changes import ACTIONS, CANCEL, ENABLE, SUSPEND
from schemas.common import (
    Date,
    InputSchema,
    PageQuery,
    PatchInput,
    StrictBoolean,
    Text,
    WholeNumber,
    page_of,
)


class ScheduledTaskInput(InputSchema):
    """Suspend, enable or cancel one of the customer's subscriptions on a date."""

    subscription_id = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_INT_ID))
    kind = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    run_on = Date(required=True, metadata={"description": "A date in the ISP's time zone"})
    cancel_reason = Text(
        max_length=120, metadata={"description": "Required to cancel, else refused"}
    )

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """A cancellation with its reason, or a suspension or re-enabling without one."""
        properties = generated["properties"]
        without = {name: spec for name, spec in properties.items() if name != "cancel_reason"}
        without["kind"] = {**without["kind"], "enum": [SUSPEND, ENABLE]}
        cancel = {**properties, "kind": {**properties["kind"], "enum": [CANCEL]}}
        required = generated.get("required", [])
        shapes = [
            register("ScheduledSuspendOrEnable", {**generated, "properties": without}),
            register(
                "ScheduledCancel",
                {**generated, "properties": cancel, "required": [*required, "cancel_reason"]},
            ),
        ]
        return {"description": cls.__doc__, "oneOf": [{"$ref": ref} for ref in shapes]}


class ScheduledTaskPatch(InputSchema):
    """The one change a task takes: withdrawing it while pending."""

    status = fields.String(required=True, validate=validate.OneOf((CANCELLED,)))


class ScheduledTaskOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    run_on = Date(required=True)
    cancel_reason = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    scheduled_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    executed_at = fields.AwareDateTime(allow_none=True)
    failure_reason = fields.String(allow_none=True)


class ScheduledTaskQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))


ScheduledTaskPage = page_of(ScheduledTaskOutput, "ScheduledTaskPage")


class CancelReasonInput(InputSchema):
    name = Text(required=True, min_length=2, max_length=120)
    active = StrictBoolean(load_default=True)


class CancelReasonPatch(PatchInput):
    name = Text(min_length=2, max_length=120)
    active = StrictBoolean()


class CancelReasonOutput(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)


class CancelReasonQuery(InputSchema):
    active = fields.Boolean()


CancelReasonList = Schema.from_dict(
    {"items": fields.List(fields.Nested(CancelReasonOutput), required=True)},
    name="CancelReasonList",
)
