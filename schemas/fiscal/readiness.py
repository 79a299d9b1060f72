"""The customers who cannot be invoiced yet, and why."""

from marshmallow import Schema, fields

from schemas.common import page_of


class MissingDataOutput(Schema):
    code = fields.Integer(required=True, metadata={"description": "The customer's code"})
    name = fields.String(required=True)
    problems = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "What stops its NFCom, in Portuguese"},
    )


MissingDataPage = page_of(MissingDataOutput, "MissingDataPage")
