"""NFCom invoices: what finance and attendants see of one, and what finance sends."""

from marshmallow import Schema, fields, validate

from models.fiscal.invoices import STATUSES
from schemas.common import InputSchema, PageQuery, page_of


class InvoiceOutput(Schema):
    """An NFCom: where it stands, its number and key, SEFAZ's protocol or reason."""

    id = fields.Integer()
    receivable_id = fields.Integer()
    customer_code = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    reason = fields.String(
        allow_none=True,
        metadata={"description": "Why it is incomplete, rejected or waiting (Portuguese)"},
    )
    status_code = fields.Integer(allow_none=True, metadata={"description": "SEFAZ's cStat"})
    environment = fields.String(allow_none=True)
    series = fields.Integer(allow_none=True)
    number = fields.Integer(allow_none=True)
    access_key = fields.String(allow_none=True, metadata={"description": "44 characters"})
    issued_at = fields.DateTime(allow_none=True)
    protocol = fields.String(allow_none=True)
    authorized_at = fields.DateTime(allow_none=True)
    cancel_deadline = fields.DateTime(allow_none=True)
    cancel_justification = fields.String(allow_none=True)
    cancel_protocol = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


InvoicePage = page_of(InvoiceOutput, "InvoicePage")


class InvoiceQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    customer_code = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class InvoiceCancelInput(InputSchema):
    justification = fields.String(
        required=True,
        validate=validate.Length(min=15, max=255),
        metadata={"description": "Why (15 to 255 characters), as SEFAZ records it"},
    )
