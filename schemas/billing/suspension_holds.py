"""Trust unlocks of a customer and holds on a subscription's non-payment suspension."""

from marshmallow import Schema, fields

from schemas.common import Date, InputSchema, PageQuery, Text, page_of


class TrustUnlockInput(InputSchema):
    """Lift the non-payment suspension now; the sweep leaves the customer alone until `until`."""

    until = Date(
        required=True,
        metadata={"description": "Last day of the unlock (ISP's zone); at most N days ahead"},
    )


class TrustUnlockOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    granted_on = Date(required=True)
    until = Date(required=True)
    granted_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


TrustUnlockPage = page_of(TrustUnlockOutput, "TrustUnlockPage")


class SuspensionHoldInput(InputSchema):
    """Keep the non-payment sweep off this subscription until `until` (included)."""

    until = Date(required=True, metadata={"description": "Last day held (ISP's zone)"})
    reason = Text(required=True, min_length=2, max_length=200)


class SuspensionHoldOutput(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    until = Date(required=True)
    reason = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    lifted_at = fields.AwareDateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)


SuspensionHoldPage = page_of(SuspensionHoldOutput, "SuspensionHoldPage")


class HoldQuery(PageQuery):
    """Paging of a list of trust unlocks or holds."""
