"""Trust unlocks of a customer, and holds (Suspensão Programada) on a subscription's ladder."""

from marshmallow import Schema, fields, validate

from models.billing.suspension_holds import HOLD_STATUSES
from models.clock import local_today
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
    """Suspensão Programada: keep the ladder's stages off this subscription until `until`
    (included), flag by flag (both by default)."""

    until = Date(required=True, metadata={"description": "Last day held (ISP's zone)"})
    reason = Text(required=True, min_length=2, max_length=200)
    no_suspend = fields.Boolean(
        load_default=True,
        metadata={"description": "Suspender: may not be suspended (nor terminated)"},
    )
    no_reduce = fields.Boolean(
        load_default=True, metadata={"description": "Reduzir: its speeds may not be reduced"}
    )


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
    no_suspend = fields.Boolean(required=True)
    no_reduce = fields.Boolean(required=True)
    status = fields.Method(
        "_status", metadata={"description": "in_force, lifted or expired (by the ISP's today)"}
    )

    def _status(self, hold) -> str:
        return hold.status(local_today())


SuspensionHoldPage = page_of(SuspensionHoldOutput, "SuspensionHoldPage")


class HoldQuery(PageQuery):
    """Paging of a list of trust unlocks or holds."""


class AllHoldsQuery(PageQuery):
    """Every subscription's holds, optionally in one status."""

    status = fields.String(validate=validate.OneOf(HOLD_STATUSES))
