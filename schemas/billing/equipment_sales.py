"""Equipment sales [6.5.4, 6.5.5]: the sale terms of a lending, and sales with their billing."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.billing.billing_events import MAX_INSTALLMENTS
from models.billing.billing_events import STATUSES as EVENT_STATUSES
from models.billing.equipment_sales import BILLING_EVENT, MODES, RECEIVABLE, STATUSES
from models.billing.receivables import STATUSES as RECEIVABLE_STATUSES
from schemas.common import Date, InputSchema, Money, PageQuery, billable_money, page_of
from schemas.service.equipment import AssignmentOutput, EquipmentOutput, LendingInput


class SaleTerms(InputSchema):
    """billing_event: `installments` (the next monthly billings take one each); receivable:
    one receivable due on `due_date`."""

    price = billable_money(required=True, metadata={"description": "More than zero"})
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    installments = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_INSTALLMENTS),
        metadata={"description": "billing_event mode only (required there)"},
    )
    due_date = Date(metadata={"description": "receivable mode only: today or later"})

    @validates_schema
    def _terms_of_the_mode(self, data, **_kwargs):
        if "price" in data and data["price"] <= 0:
            raise ValidationError("More than zero.", "price")
        mode = data.get("mode")
        needed, other = {
            BILLING_EVENT: ("installments", "due_date"),
            RECEIVABLE: ("due_date", "installments"),
        }.get(mode, (None, None))
        if needed and needed not in data:
            raise ValidationError(f"Required for mode {mode}.", needed)
        if other and other in data:
            raise ValidationError(f"Not for mode {mode}.", other)


class LendingWithSaleInput(LendingInput):
    """A lending; with `sale` the items are sold (needs the equipment_sale permission)."""

    sale = fields.Nested(SaleTerms, metadata={"description": "Sell the items instead of lending"})


class SaleInput(LendingInput):
    """Items handed over sold to one of the customer's subscriptions, and how they are billed."""

    sale = fields.Nested(SaleTerms, required=True)


class SaleItemOutput(Schema):
    equipment = fields.Nested(EquipmentOutput, required=True)


class SaleEventOutput(Schema):
    id = fields.Integer(required=True)
    sequence = fields.Integer(required=True)
    description = fields.String(required=True)
    amount = Money(required=True)
    status = fields.String(required=True, validate=validate.OneOf(EVENT_STATUSES))
    receivable_id = fields.Integer(allow_none=True, metadata={"description": "Billed on"})


class SaleReceivableOutput(Schema):
    id = fields.Integer(required=True)
    amount = Money(required=True)
    due_date = Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RECEIVABLE_STATUSES))


class SaleOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    items = fields.List(fields.Nested(SaleItemOutput), required=True)
    price = Money(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    installments = fields.Integer(allow_none=True)
    due_date = Date(allow_none=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "pending until the billing task has made its billing"},
    )
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    billed_at = fields.AwareDateTime(allow_none=True)
    billing_events = fields.List(
        fields.Nested(SaleEventOutput),
        allow_none=True,
        metadata={
            "description": "billing_event mode: the installments (null without "
            "receivables read access)"
        },
    )
    receivable = fields.Nested(
        SaleReceivableOutput,
        allow_none=True,
        metadata={"description": "receivable mode: the receivable, once billed"},
    )


class LendingResult(Schema):
    items = fields.List(fields.Nested(AssignmentOutput), required=True)
    sale = fields.Nested(SaleOutput, allow_none=True, metadata={"description": "With `sale`"})


SalePage = page_of(SaleOutput, "EquipmentSalePage")
SaleQuery = PageQuery
