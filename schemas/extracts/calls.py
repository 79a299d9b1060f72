"""Call extracts and the tariffs that price calls [6.7]."""

import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from models.extracts.calls import TERMINATIONS
from schemas.common import (
    Date,
    InputSchema,
    Money,
    PageQuery,
    PeriodQuery,
    Phone,
    WholeNumber,
    page_of,
)

_SECONDS = validate.Range(min=0, max=3600)


class PricePerMinute(fields.Field):
    """Reais per minute as a string with up to 4 decimals ("0.0850"): never a float."""

    PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,4})?$"

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": self.PATTERN, "example": "0.1200"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN, value):
            raise ValidationError('Reais per minute as a string, up to 4 decimals: "0.1200".')
        return Decimal(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:.4f}"


class WholeString(fields.Field):
    """A whole number sent as a string of digits: sums can pass 2^53, beyond a JSON number."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": "^[0-9]+$", "example": "3600"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(int(value))


class TariffPrice(InputSchema):
    """A termination type's price: per minute, charged at least `first_seconds`, then in
    steps of `increment_seconds` (30/6: 30 s minimum, then 6 s at a time)."""

    price_per_minute = PricePerMinute(required=True)
    first_seconds = WholeNumber(required=True, validate=_SECONDS)
    increment_seconds = WholeNumber(required=True, validate=validate.Range(min=1, max=3600))


class TariffInput(TariffPrice):
    """The tariff of a termination type that has none yet."""

    termination = fields.String(required=True, validate=validate.OneOf(TERMINATIONS))


class TariffOutput(Schema):
    id = fields.Integer(required=True)
    termination = fields.String(required=True, validate=validate.OneOf(TERMINATIONS))
    price_per_minute = PricePerMinute(required=True)
    first_seconds = fields.Integer(required=True)
    increment_seconds = fields.Integer(required=True)
    updated_at = fields.AwareDateTime(required=True)


TariffList = Schema.from_dict(
    {"items": fields.List(fields.Nested(TariffOutput), required=True)}, name="TariffList"
)


class CallQuery(PeriodQuery, PageQuery):
    """Filters of a customer's call extract; the period is in the ISP's time zone."""

    terminal = Phone(
        metadata={"description": "One of the customer's terminals (a deleted one too)"}
    )
    termination = fields.String(validate=validate.OneOf(TERMINATIONS))


class CallOutput(Schema):
    started_at = fields.AwareDateTime(required=True)
    origin = fields.String(required=True, metadata={"description": "The terminal's number"})
    destination = fields.String(required=True, metadata={"description": "As dialled"})
    duration_s = fields.Integer(required=True)
    billed_s = fields.Integer(required=True, metadata={"description": "Answered seconds"})
    termination = fields.String(required=True, validate=validate.OneOf(TERMINATIONS))
    cost = Money(required=True)


class CallTotals(Schema):
    """Over every call the filters match, not one page."""

    rows = WholeString(required=True)
    duration_s = WholeString(required=True)
    billed_s = WholeString(required=True)
    cost = Money(required=True)


CallPage = page_of(CallOutput, "CallPage", totals=fields.Nested(CallTotals, required=True))


class RepriceInput(InputSchema):
    """The period whose calls get today's tariffs: days in the ISP's zone, `to` included, at
    most EXTRACT_MAX_DAYS long."""

    from_ = Date(required=True, data_key="from", metadata={"description": "First day"})
    to = Date(required=True, metadata={"description": "Last day, included"})


class RepriceOutput(Schema):
    """One re-pricing: the period, its calls, how many changed, the period's cost before and
    after (calls of a termination without a tariff keep their cost)."""

    id = fields.Integer(required=True)
    from_ = Date(required=True, data_key="from", attribute="period_from")
    to = Date(required=True, attribute="period_to")
    calls = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    cost_before = Money(required=True)
    cost_after = Money(required=True)
    requested_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
