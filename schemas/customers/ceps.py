"""The CEP directory's answer."""

from marshmallow import Schema, fields

from schemas.common import Cep


class CepOutput(Schema):
    cep = Cep(required=True)
    street = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city = fields.String(required=True)
    state = fields.String(required=True)
