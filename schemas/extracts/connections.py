"""Connection extracts [6.6]: a customer's (or everyone's) RADIUS sessions and their totals."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from schemas.common import PageQuery, PeriodQuery, Text, page_of


class ExactCount(fields.Field):
    """A whole number sent as a decimal string: byte sums pass 2^53, where JSON numbers stop
    being exact in most clients."""

    PATTERN = "^[0-9]+$"

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": self.PATTERN, "example": "9007199254740993"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(int(value))


class ConnectionQuery(PeriodQuery, PageQuery):
    """Filters of a customer's sessions; the period defaults to the last 30 days, in the ISP's
    time zone, and may be at most EXTRACT_MAX_DAYS long."""

    login = Text(min_length=1, max_length=64, metadata={"description": "One of the logins"})


class StaffConnectionQuery(ConnectionQuery):
    """Everyone's sessions, by login, NAS or customer, in a period."""

    nas = fields.IP(metadata={"description": "The NAS's IP address"})
    customer_code = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))


class ConnectionOutput(Schema):
    """One RADIUS session, as FreeRADIUS accounted it."""

    login = fields.String(allow_none=True)
    start = fields.AwareDateTime(allow_none=True)
    stop = fields.AwareDateTime(allow_none=True, metadata={"description": "null while open"})
    duration_s = fields.Integer(required=True)
    download_bytes = fields.Integer(
        required=True, metadata={"description": "To the customer (the NAS's output octets)"}
    )
    upload_bytes = fields.Integer(required=True)
    framed_ip = fields.String(allow_none=True)
    mac = fields.String(allow_none=True, metadata={"description": "Calling-Station-Id"})
    nas = fields.String(required=True)
    termination_cause = fields.String(allow_none=True)


class ConnectionTotals(Schema):
    """Sums over every session the filter matches, not only the page."""

    rows = ExactCount(required=True)
    duration_s = ExactCount(required=True)
    download_bytes = ExactCount(required=True)
    upload_bytes = ExactCount(required=True)


ConnectionPage = page_of(
    ConnectionOutput, "ConnectionPage", totals=fields.Nested(ConnectionTotals, required=True)
)
