"""A customer's other addresses [5.3]: input, change and output."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.customers.addresses import UNIT_KINDS
from schemas.common import Cep, InputSchema, PatchInput, Text, Uf

_FILLED = "Left out: filled in from the CEP."


class CustomerAddressInput(InputSchema):
    """A new address; street, district, city and state may be left out to come from the CEP."""

    type = Text(
        required=True,
        min_length=1,
        max_length=40,
        metadata={"description": "One of the ADDRESS_TYPES setting", "example": "installation"},
    )
    cep = Cep(required=True, metadata={"example": "01310-100"})
    street = Text(min_length=1, max_length=200, metadata={"description": _FILLED})
    number = Text(allow_none=True, max_length=20)
    unit_kind = fields.String(
        allow_none=True,
        validate=validate.OneOf(UNIT_KINDS),
        metadata={"description": "Given together with unit"},
    )
    unit = Text(allow_none=True, max_length=20, metadata={"description": "Given with unit_kind"})
    complement = Text(allow_none=True, max_length=120)
    district = Text(allow_none=True, max_length=120, metadata={"description": _FILLED})
    city = Text(min_length=1, max_length=120, metadata={"description": _FILLED})
    state = Uf(metadata={"description": _FILLED, "example": "SP"})
    reference = Text(allow_none=True, max_length=120)

    @validates_schema
    def _unit_with_kind(self, data, **_kwargs):
        given = {name for name in ("unit", "unit_kind") if data.get(name) is not None}
        if len(given) == 1:
            (alone,) = given
            other = "unit_kind" if alone == "unit" else "unit"
            raise ValidationError({other: [f"Required with {alone} (or leave both out)."]})


class CustomerAddressPatch(PatchInput, CustomerAddressInput):
    """Change some parts; a new CEP refills street, district, city and state not given."""

    @validates_schema
    def _unit_with_kind(self, data, **_kwargs):
        """Only a body that sets one and clears the other is wrong by itself; the stored
        address completes the rest (models.customers.addresses checks the result)."""
        if "unit" in data and "unit_kind" in data:
            super()._unit_with_kind(data)


class CustomerAddressOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    type = fields.String(required=True)
    cep = Cep(required=True)
    street = fields.String(required=True)
    number = fields.String(allow_none=True)
    unit_kind = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    complement = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city = fields.String(required=True)
    state = fields.String(required=True)
    reference = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


CustomerAddressList = Schema.from_dict(
    {"items": fields.List(fields.Nested(CustomerAddressOutput), required=True)},
    name="CustomerAddressList",
)
