"""Anatel's monthly access report: which month, and the accesses it cannot place yet."""

from marshmallow import Schema, fields, validate

from schemas.common import InputSchema, PageQuery, page_of

MONTH = {
    "validate": validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="A month as YYYY-MM."),
    "metadata": {"description": "The month, YYYY-MM, over in the ISP's time zone"},
}


class AnatelAccessInput(InputSchema):
    month = fields.String(required=True, **MONTH)


class AnatelMissingQuery(PageQuery):
    month = fields.String(**MONTH)


class AnatelMissingOutput(Schema):
    subscription_id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    plan = fields.String(required=True, metadata={"description": "The plan's name"})
    customer_kind = fields.String(required=True, validate=validate.OneOf(("PF", "PJ")))
    city_code = fields.String(allow_none=True, metadata={"description": "IBGE, as stored"})
    problems = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "What keeps the access out of the file, in Portuguese"},
    )


AnatelMissingPage = page_of(AnatelMissingOutput, "AnatelMissingPage")
