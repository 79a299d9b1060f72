"""The customer record ("Cadastro do Cliente") and its search."""

from marshmallow import Schema, fields, validate

from schemas.common import (
    Cep,
    Cnpj,
    Cpf,
    Email,
    InputSchema,
    Phone,
    StrictBoolean,
    Text,
    Uf,
)

_short = validate.Length(max=120)


class AddressInput(InputSchema):
    """An address; a PATCH may send only the parts that change."""

    street = Text(required=True, validate=validate.Length(min=1, max=120))
    number = Text(required=True, validate=validate.Length(min=1, max=20))
    complement = Text(allow_none=True, validate=_short)
    district = Text(required=True, validate=validate.Length(min=1, max=120))
    city = Text(required=True, validate=validate.Length(min=1, max=120))
    state = Uf(required=True, metadata={"example": "SP"})
    cep = Cep(required=True, metadata={"example": "01310-100"})
    reference = Text(allow_none=True, validate=_short)


class AddressOutput(Schema):
    street = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    complement = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    cep = Cep(allow_none=True)
    reference = fields.String(allow_none=True)


class CustomerInput(InputSchema):
    """Create (POST) or, with partial=True, change (PATCH) a customer."""

    kind = fields.String(required=True, validate=validate.OneOf(("PF", "PJ")))
    active = StrictBoolean()
    name = Text(required=True, validate=validate.Length(min=2, max=150))
    trade_name = Text(allow_none=True, validate=validate.Length(max=150))
    cpf = Cpf(allow_none=True, metadata={"example": "529.982.247-25"})
    cnpj = Cnpj(allow_none=True, metadata={"example": "11.222.333/0001-81"})
    state_registration = Text(
        allow_none=True,
        validate=validate.Regexp(r"^(?i:isento|[0-9./-]{2,20})$", error="Digits, or ISENTO."),
    )
    address = fields.Nested(AddressInput, required=True)
    billing_address = fields.Nested(AddressInput, allow_none=True)
    condominium = Text(allow_none=True, validate=_short)
    phone = Phone(allow_none=True, metadata={"example": "(11) 3333-4444"})
    fax = Phone(allow_none=True)
    mobile = Phone(allow_none=True, metadata={"example": "(11) 98765-4321"})
    email = Email(allow_none=True, validate=validate.Length(max=254))
    notes = Text(allow_none=True, validate=validate.Length(max=5000))


class CustomerPatch(CustomerInput):
    """The PATCH body: any subset of CustomerInput (use with partial=True)."""


class CustomerOutput(Schema):
    code = fields.Integer(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    trade_name = fields.String(allow_none=True)
    cpf = Cpf(allow_none=True)
    cnpj = Cnpj(allow_none=True)
    state_registration = fields.String(allow_none=True)
    address = fields.Nested(AddressOutput, allow_none=True)
    billing_address = fields.Nested(AddressOutput, allow_none=True)
    condominium = fields.String(allow_none=True)
    phone = Phone(allow_none=True)
    fax = Phone(allow_none=True)
    mobile = Phone(allow_none=True)
    email = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
