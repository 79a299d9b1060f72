"""A customer's exception options [5.1] and the fiscal activity codes they pick from [5.1.4]."""

from marshmallow import Schema, fields

from models.customers.customer_options import FLAGS
from models.customers.fiscal_activity_codes import CODE_PATTERN
from schemas.common import InputSchema, PatchInput, StrictBoolean, Text

_DESCRIPTIONS = {
    "auto_suspend": "Suspend on non-payment",
    "charge_boleto_fee": "Charge the boleto fee",
    "itemized_invoice": "Itemized invoice (N.F. discriminada)",
    "charge_extra_email": "Charge for extra mailboxes",
    "allow_promotional_discounts": "Promotional discounts apply",
    "send_boleto_email": "E-mail the boleto",
    "send_overdue_notice": "Send overdue notices",
}


def _code(**kwargs) -> Text:
    return Text(
        shape=CODE_PATTERN,
        max_length=12,
        shape_error="A CNAE subclass such as 6110-8/01 or a service item such as 1.07.",
        **kwargs,
    )


def _flag_fields(field, **kwargs) -> dict:
    return {
        flag: field(metadata={"description": _DESCRIPTIONS.get(flag, flag)}, **kwargs)
        for flag in FLAGS
    }


CustomerOptionsInput = type(
    "CustomerOptionsInput",
    (InputSchema,),
    {
        "__doc__": "Every option at once (PUT replaces the whole set).",
        **_flag_fields(StrictBoolean, required=True),
        "fiscal_activity_code": _code(
            required=True,
            allow_none=True,
            metadata={"description": "An active code of GET /api/v1/fiscal-activity-codes"},
        ),
    },
)

CustomerOptionsOutput = type(
    "CustomerOptionsOutput",
    (Schema,),
    {
        "customer_code": fields.Integer(required=True),
        **_flag_fields(fields.Boolean, required=True),
        "fiscal_activity_code": fields.String(required=True, allow_none=True),
    },
)


class FiscalActivityCodeInput(InputSchema):
    code = _code(required=True)
    description = Text(required=True, min_length=1, max_length=200)
    active = StrictBoolean(load_default=True)


class FiscalActivityCodePatch(PatchInput):
    """The description or `active`; the code itself never changes (options refer to it)."""

    description = Text(min_length=1, max_length=200)
    active = StrictBoolean()


class FiscalActivityCodeOutput(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    description = fields.String(required=True)
    active = fields.Boolean(required=True)


class FiscalActivityCodeQuery(InputSchema):
    active = fields.Boolean()


FiscalActivityCodeList = Schema.from_dict(
    {"items": fields.List(fields.Nested(FiscalActivityCodeOutput), required=True)},
    name="FiscalActivityCodeList",
)
