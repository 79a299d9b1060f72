"""Receivables (contas a receber): output with their lines, filters, payment and cancellation."""

from marshmallow import Schema, fields, validate

from models.billing.receivables import LINE_KINDS, STATUSES
from models.db import MAX_INT_ID
from schemas.common import Date, InputSchema, Money, PageQuery, Text, page_of

MAX_LINES = 20


class ReceivableLineOutput(Schema):
    id = fields.Integer(required=True)
    description = fields.String(required=True)
    amount = Money(required=True, metadata={"description": "Negative for a discount"})
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    billing_event_id = fields.Integer(allow_none=True)


class ReceivableOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    subscription_id = fields.Integer(allow_none=True)
    description = fields.String(required=True)
    amount = Money(required=True, metadata={"description": "The sum of the lines"})
    issue_date = Date(required=True)
    due_date = Date(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "partially_paid: payments below the amount; the balance is owed"},
    )
    paid_on = Date(allow_none=True, metadata={"description": "The last payment's date"})
    paid_amount = Money(allow_none=True, metadata={"description": "The sum of the payments"})
    balance = Money(
        required=True,
        metadata={"description": "Still owed: amount less payments (0 once paid or cancelled)"},
    )
    overpaid = Money(
        required=True, metadata={"description": "Received beyond the amount (to refund or use)"}
    )
    cancel_reason = fields.String(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    billing_month = Date(allow_none=True, metadata={"description": "Monthly ones: month"})
    lines = fields.List(fields.Nested(ReceivableLineOutput), required=True)
    created_at = fields.AwareDateTime(required=True)


ReceivablePage = page_of(ReceivableOutput, "ReceivablePage")


class CustomerReceivableQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    due_from = Date(metadata={"description": "Due on or after this date"})
    due_to = Date(metadata={"description": "Due on or before this date"})


class ReceivableQuery(CustomerReceivableQuery):
    customer_code = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))


class ReceivablePaymentInput(InputSchema):
    """A payment received by hand; payments add up until they reach the amount."""

    paid_on = Date(required=True, metadata={"description": "Not in the future"})
    amount = Money(required=True, metadata={"description": "What was received; more than zero"})


class ReceivableCancelInput(InputSchema):
    reason = Text(required=True, min_length=1, max_length=200)


class ManualLineInput(InputSchema):
    description = Text(required=True, min_length=1, max_length=200)
    amount = Money(required=True)


class ManualReceivableInput(InputSchema):
    """A receivable typed in by finance: its lines add up to its amount (more than zero)."""

    description = Text(required=True, min_length=1, max_length=200)
    due_date = Date(required=True, metadata={"description": "Today or later"})
    lines = fields.List(
        fields.Nested(ManualLineInput),
        required=True,
        validate=validate.Length(min=1, max=MAX_LINES),
    )
