"""Who read connection records: the log's filters and entries (admins only)."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from models.extracts.record_reads import CHANNELS
from schemas.common import PageQuery, PeriodQuery, page_of


class RecordReadQuery(PeriodQuery, PageQuery):
    """Reads of one customer's records, by one user, through one channel, in a period (days
    in the ISP's zone, both included); each optional."""

    customer_code = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))
    user_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))
    channel = fields.String(validate=validate.OneOf(CHANNELS))


class RecordReadOutput(Schema):
    """One read: who, from where, when, through which channel, of what."""

    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    user_id = fields.Integer(allow_none=True, metadata={"description": "null: CLI or system"})
    username = fields.String(required=True)
    role = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    export_id = fields.Integer(allow_none=True, metadata={"description": "channel export"})
    customer_code = fields.Integer(allow_none=True)
    filters = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "The filter as given, with the period really read"},
    )
    rows = fields.Integer(
        allow_none=True,
        metadata={"description": "Rows shown or written (an export: null until its file is)"},
    )


RecordReadPage = page_of(RecordReadOutput, "RecordReadPage")
