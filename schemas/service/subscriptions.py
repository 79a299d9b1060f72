"""Subscriptions [6.1], their installation [6.1.4] and status actions."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.customers.customers import REQUIRED_ADDRESS_PARTS
from models.db import MAX_INT_ID
from models.service.access_attributes import AREAS, URBAN
from models.service.installations import PERIODS
from models.service.subscriptions import LAST_DUE_DAY, STATUS_FILTERS, STATUSES, SUSPENDED_FOR
from schemas.common import (
    Date,
    HourMinute,
    InputSchema,
    Money,
    PageQuery,
    PatchInput,
    Phone,
    Text,
    WholeNumber,
    billable_money,
    page_of,
)
from schemas.customers.customers import AddressInput, AddressOutput

_DUE_DAY = {"validate": validate.Range(min=1, max=LAST_DUE_DAY)}
_DUE_DAY_DOC = {"description": f"Day of the month the bill is due, 1-{LAST_DUE_DAY}"}
_ACCOUNT_DOC = {
    "description": "The active billing account (GET /billing-accounts) its boletos are issued "
    "on; null: the customer's, else the default account"
}


def _account_id() -> WholeNumber:
    return WholeNumber(
        allow_none=True, validate=validate.Range(min=1, max=MAX_INT_ID), metadata=_ACCOUNT_DOC
    )


class SubscriptionInput(InputSchema):
    """A new subscription: the plan part and the billing part [6.1.1, 6.1.2]."""

    plan_id = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_INT_ID))
    installation_address = fields.Nested(
        AddressInput,
        allow_none=True,
        metadata={"description": "Where it is installed; null: the customer's address"},
    )
    notes = Text(allow_none=True, max_length=4000, multiline=True)
    due_day = WholeNumber(required=True, metadata=_DUE_DAY_DOC, **_DUE_DAY)
    price = billable_money(metadata={"description": "Monthly price; default: the plan's"})
    discount = Money(metadata={"description": "Monthly discount, at most the price"})
    first_due_date = Date(metadata={"description": "Default: the next due day"})
    billing_address = fields.Nested(
        AddressInput,
        allow_none=True,
        metadata={"description": "Where the bill goes; null: the customer's billing address"},
    )
    billing_account_id = _account_id()
    service_area = fields.String(load_default=URBAN, validate=validate.OneOf(list(AREAS)))


class SubscriptionPatch(PatchInput):
    """Terms of a subscription in force [6.1.5.1]; status changes have their own routes."""

    plan_id = WholeNumber(validate=validate.Range(min=1, max=MAX_INT_ID))
    installation_address = fields.Nested(AddressInput, allow_none=True)
    notes = Text(allow_none=True, max_length=4000, multiline=True)
    due_day = WholeNumber(metadata=_DUE_DAY_DOC, **_DUE_DAY)
    price = billable_money()
    discount = Money()
    first_due_date = Date()
    billing_address = fields.Nested(AddressInput, allow_none=True)
    billing_account_id = _account_id()
    service_area = fields.String(
        validate=validate.OneOf(list(AREAS)),
        metadata={"description": "urbano or rural, for Anatel's access report"},
    )

    @validates_schema
    def _whole_addresses(self, data, **_kwargs):
        # PATCH loads partially, nested schemas too; an address replaces the stored one whole.
        errors = {}
        for name in ("installation_address", "billing_address"):
            address = data.get(name)
            missing = [p for p in REQUIRED_ADDRESS_PARTS if address and p not in address]
            if missing:
                errors[name] = {part: ["Missing data for required field."] for part in missing}
        if errors:
            raise ValidationError(errors)


class PlanSummary(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    download_kbps = fields.Integer(allow_none=True)
    upload_kbps = fields.Integer(allow_none=True)
    radius_group = fields.String(allow_none=True)


class InstallationOutput(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    customer_code = fields.Integer(
        required=True, attribute="subscription.customer_code", dump_only=True
    )
    date = Date(required=True)
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    starts_at = fields.Time(allow_none=True, format="%H:%M")
    ends_at = fields.Time(allow_none=True, format="%H:%M")
    technician_id = fields.Integer(required=True)
    technician = fields.String(required=True, attribute="technician.username")
    notes = fields.String(allow_none=True)


class SubscriptionOutput(Schema):
    """The plan summary [6.1.3]: the plan, the terms, the status."""

    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    plan = fields.Nested(PlanSummary, required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    installation_address = fields.Nested(AddressOutput, allow_none=True)
    notes = fields.String(allow_none=True)
    due_day = fields.Integer(required=True)
    price = Money(required=True)
    discount = Money(required=True)
    monthly_amount = Money(required=True, metadata={"description": "Price less discount"})
    first_due_date = Date(required=True)
    billing_address = fields.Nested(AddressOutput, allow_none=True)
    billing_account_id = fields.Integer(allow_none=True, metadata=_ACCOUNT_DOC)
    cancel_reason = fields.String(allow_none=True)
    service_area = fields.String(required=True, validate=validate.OneOf(list(AREAS)))
    suspended_for = fields.String(
        allow_none=True,
        validate=validate.OneOf(SUSPENDED_FOR),
        metadata={
            "description": "While suspended: by non_payment (lifted on payment), staff or schedule"
        },
    )
    suspension_reason = fields.String(allow_none=True)
    speed_reduced_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "Since when the non-payment ladder keeps its speeds reduced"},
    )
    status_changed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class SubscriptionQuery(PageQuery):
    status = fields.String(
        validate=validate.OneOf(tuple(STATUS_FILTERS)),
        metadata={"description": "active: active or suspended [6.1]; inactive: cancelled [6.2]"},
    )


SubscriptionPage = page_of(SubscriptionOutput, "SubscriptionPage")


class CancelInput(InputSchema):
    cancel_reason = Text(
        required=True, max_length=120, metadata={"description": "GET /cancel-reasons"}
    )


class InstallationInput(InputSchema):
    """When and by whom: a period of the day, or a window with start and end times."""

    date = Date(required=True)
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    starts_at = HourMinute(metadata={"description": "Only with period=window"})
    ends_at = HourMinute(metadata={"description": "Only with period=window, after starts_at"})
    technician_id = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_INT_ID))
    notes = Text(allow_none=True, max_length=4000, multiline=True)

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """A part of the day, or a window with its start and end."""
        properties = generated["properties"]
        part = {name: spec for name, spec in properties.items() if not name.endswith("_at")}
        part["period"] = {**part["period"], "enum": [p for p in PERIODS if p != "window"]}
        window = {**properties, "period": {**properties["period"], "enum": ["window"]}}
        required = generated.get("required", [])
        shapes = [
            register("InstallationPartOfDay", {**generated, "properties": part}),
            register(
                "InstallationWindow",
                {
                    **generated,
                    "properties": window,
                    "required": [*required, "starts_at", "ends_at"],
                },
            ),
        ]
        return {"description": cls.__doc__, "oneOf": [{"$ref": ref} for ref in shapes]}

    @validates_schema
    def _window(self, data, **_kwargs):
        times = {key for key in ("starts_at", "ends_at") if data.get(key) is not None}
        if data.get("period") == "window":
            missing = {"starts_at", "ends_at"} - times
            if missing:
                raise ValidationError({key: ["Required with period=window."] for key in missing})
            if data["starts_at"] >= data["ends_at"]:
                raise ValidationError({"ends_at": ["Must be after starts_at."]})
        elif times:
            raise ValidationError({key: ["Only with period=window."] for key in times})


class AgendaQuery(PageQuery):
    date = Date()
    technician = fields.Integer(
        validate=validate.Range(min=1, max=MAX_INT_ID), metadata={"description": "User id"}
    )


class AgendaEntryOutput(InstallationOutput):
    """An installation as the technicians' agenda lists it: who, where, how to call, what."""

    customer_name = fields.String(required=True, attribute="customer.name")
    address = fields.Nested(
        AddressOutput,
        allow_none=True,
        attribute="visit_address",
        metadata={"description": "The plan's installation address, else the customer's"},
    )
    phone = Phone(allow_none=True, attribute="customer.phone")
    mobile = Phone(allow_none=True, attribute="customer.mobile")
    plan = fields.String(required=True, attribute="subscription.plan.name")
    visit_window = fields.String(
        required=True,
        metadata={"description": "manhã, tarde, noite, or the window: 14:00-16:00"},
    )


InstallationPage = page_of(AgendaEntryOutput, "InstallationPage")
