"""PIX through the PSPs: a billing account's PSP connection, charges, PIX received, webhooks."""

from decimal import Decimal

from marshmallow import Schema, fields, validate

from models.billing import (
    pix_automatic,
    pix_charges,
    pix_payments,
    pix_recurring_charges,
    psp_connections,
)
from schemas.common import Date, InputSchema, Money, PageQuery, StrictBoolean, Text, page_of

URL = validate.Regexp(r"^https://[^\s]{3,190}$", error="An https URL.")


class PspConnectionInput(InputSchema):
    """Secrets are write-only: left out on a change, the stored ones stay."""

    provider = fields.String(
        load_default=psp_connections.STANDARD,
        validate=validate.OneOf(tuple(psp_connections.PROVIDERS)),
        metadata={"description": "The PSP's known deviations: inter (bare-array webhooks)"},
    )
    base_url = fields.String(
        required=True, validate=URL, metadata={"description": "API Pix base, e.g. .../v2"}
    )
    token_url = fields.String(
        required=True, validate=URL, metadata={"description": "OAuth2 token endpoint"}
    )
    client_id = Text(required=True, min_length=1, max_length=200)
    client_secret = fields.String(
        load_only=True, validate=validate.Length(min=1, max=500), metadata={"writeOnly": True}
    )
    certificate_pem = fields.String(
        load_only=True,
        validate=validate.Length(min=100, max=20_000),
        metadata={
            "writeOnly": True,
            "description": "The client certificate and its private key, PEM (mutual TLS)",
        },
    )
    ca_pem = fields.String(
        allow_none=True,
        validate=validate.Length(max=20_000),
        metadata={"description": "The CA of the PSP's server certificate, if not a public one"},
    )
    pix_key = Text(
        required=True,
        min_length=1,
        max_length=77,
        metadata={"description": "The PIX key the charges are paid to"},
    )
    days_valid_after_due = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=365),
        metadata={"description": "Days a charge may still be paid after its due date"},
    )
    active = StrictBoolean(load_default=True)


class PspConnectionOutput(Schema):
    billing_account_id = fields.Integer(required=True)
    provider = fields.String(required=True)
    base_url = fields.String(required=True)
    token_url = fields.String(required=True)
    client_id = fields.String(required=True)
    has_client_secret = fields.Boolean(required=True)
    has_certificate = fields.Boolean(required=True)
    ca_pem = fields.String(allow_none=True)
    pix_key = fields.String(required=True)
    days_valid_after_due = fields.Integer(required=True)
    active = fields.Boolean(required=True)
    webhook_requested_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When an admin last asked to register it"}
    )
    webhook_registered_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the PSP last accepted it"}
    )
    reconciled_until = fields.AwareDateTime(
        allow_none=True, metadata={"description": "PIX received up to here were asked of the PSP"}
    )


class WebhookRegistration(InputSchema):
    """An empty body: the service draws the secret and builds the URL."""


class WebhookRegistrationOutput(Schema):
    status = fields.String(required=True, metadata={"description": "queued"})


class PixChargeOutput(Schema):
    receivable_id = fields.Integer(required=True)
    billing_account_id = fields.Integer(required=True)
    txid = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(pix_charges.STATUSES)})
    amount = Money(required=True)
    due_date = Date(required=True)
    location = fields.String(allow_none=True)
    pix_code = fields.String(allow_none=True, metadata={"description": "The dynamic BR Code"})
    error = fields.String(allow_none=True, metadata={"description": "Why the PSP refused it"})
    updated_at = fields.AwareDateTime(required=True)


class PixRefundOutput(Schema):
    id = fields.Integer(required=True)
    received_id = fields.Integer(required=True)
    refund_id = fields.String(required=True, metadata={"description": "The devolução's id"})
    amount = Money(required=True)
    status = fields.String(
        required=True,
        metadata={
            "enum": [pix_payments.REQUESTED, *pix_payments.REFUND_STATUSES, pix_payments.REFUSED],
            "description": "requested: not yet taken by the PSP; the PSP's EM_PROCESSAMENTO, "
            "DEVOLVIDO (the receivable owes it again), NAO_REALIZADO; refused: see error",
        },
    )
    handled_at = fields.AwareDateTime(allow_none=True)
    requested_by = fields.String(allow_none=True)
    requested_at = fields.AwareDateTime(allow_none=True)
    error = fields.String(allow_none=True)


class RefundRequest(InputSchema):
    amount = Money(
        required=True,
        validate=validate.Range(min=Decimal("0.01"), max=Decimal("9999999999.99")),
        metadata={"description": "At most what was received less the refunds already asked"},
    )


class ReceivedPixOutput(Schema):
    id = fields.Integer(required=True)
    billing_account_id = fields.Integer(required=True)
    end_to_end_id = fields.String(required=True)
    txid = fields.String(allow_none=True)
    amount = Money(required=True)
    paid_at = fields.AwareDateTime(required=True)
    payer_note = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"enum": ["webhook", "reconciliation"]})
    status = fields.String(
        required=True,
        metadata={
            "enum": list(pix_payments.STATUSES),
            "description": "unknown: no charge has its txid; not_owed: its receivable was "
            "already paid or cancelled (finance refunds or uses it)",
        },
    )
    receivable_id = fields.Integer(allow_none=True)
    customer_code = fields.Integer(allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    applied_at = fields.AwareDateTime(allow_none=True)
    refunds = fields.List(fields.Nested(PixRefundOutput), required=True)


class ReceivedPixQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(pix_payments.STATUSES))
    billing_account_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    customer_code = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


ReceivedPixPage = page_of(ReceivedPixOutput, "ReceivedPixPage")


class WebhookAnswer(Schema):
    received = fields.Integer(required=True, metadata={"description": "PIX in the delivery"})


class PixAutomaticInput(InputSchema):
    """Journey 2: the customer approves by reading the recurrence's QR code; journey 3: the
    same code composed with an immediate charge of the oldest open bill, paid to approve."""

    journey = fields.Integer(
        required=True,
        strict=True,
        validate=validate.OneOf(pix_automatic.JOURNEYS),
        metadata={"enum": list(pix_automatic.JOURNEYS)},
    )


class PixRecurringChargeOutput(Schema):
    receivable_id = fields.Integer(required=True)
    txid = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(pix_recurring_charges.STATUSES)})
    psp_status = fields.String(allow_none=True, metadata={"description": "The PSP's last word"})
    amount = Money(required=True)
    due_date = Date(required=True)
    error = fields.String(allow_none=True, metadata={"description": "Why it failed"})
    updated_at = fields.AwareDateTime(required=True)


class PixAutomaticOutput(Schema):
    subscription_id = fields.Integer(required=True)
    billing_account_id = fields.Integer(required=True)
    journey = fields.Integer(required=True)
    status = fields.String(
        required=True,
        metadata={
            "enum": list(pix_automatic.STATUSES),
            "description": "created: awaiting the customer's approval by pix_code",
        },
    )
    id_rec = fields.String(allow_none=True, metadata={"description": "The PSP's idRec"})
    pix_code = fields.String(
        allow_none=True, metadata={"description": "The QR code the customer approves by"}
    )
    location = fields.String(allow_none=True)
    first_txid = fields.String(allow_none=True, metadata={"description": "Journey 3's charge"})
    first_receivable_id = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    charges = fields.List(
        fields.Nested(PixRecurringChargeOutput),
        required=True,
        metadata={"description": "Each bill's recurring charge (cobr), by due date"},
    )
