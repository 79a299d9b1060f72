"""Export jobs [6.6.1]: what to export and how, and how far the job has got."""

from marshmallow import Schema, fields, validate

from models.extracts.calls import TERMINATIONS
from models.extracts.exports import FORMATS, STATUSES
from models.extracts.extracts import SOURCES
from schemas.common import (
    InputSchema,
    PageQuery,
    PeriodQuery,
    Phone,
    StrictBoolean,
    Text,
    WholeNumber,
    page_of,
)

DELIMITERS = (";", ",", "\t", "|")
DECIMAL_SEPARATORS = (",", ".")


class ExportFilters(PeriodQuery):
    """The extract's filters; each source takes its own (connections: login, nas; calls:
    terminal, termination). The period defaults to the last 30 days."""

    customer_code = WholeNumber(validate=validate.Range(min=1, max=2**31 - 1))
    login = Text(min_length=1, max_length=64)
    nas = fields.IP(metadata={"description": "The NAS's IP address (connections)"})
    terminal = Phone(metadata={"description": "A terminal's phone number (calls)"})
    termination = fields.String(validate=validate.OneOf(TERMINATIONS))


class ExportColumn(InputSchema):
    """A column to write: a field of the source, its heading and its width in pixels."""

    field = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = Text(max_length=100, allow_none=True)
    width_px = WholeNumber(validate=validate.Range(min=10, max=2000), allow_none=True)


class ExportInput(InputSchema):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    filters = fields.Nested(ExportFilters, load_default=dict)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    title = Text(max_length=200, allow_none=True)
    columns = fields.List(
        fields.Nested(ExportColumn),
        validate=validate.Length(max=20),
        metadata={"description": "Picked, ordered and renamed; all columns when left out"},
    )
    totals = StrictBoolean(load_default=False)
    delimiter = fields.String(load_default=";", validate=validate.OneOf(DELIMITERS))
    decimal_separator = fields.String(load_default=",", validate=validate.OneOf(DECIMAL_SEPARATORS))


class ExportOutput(Schema):
    id = fields.Integer(required=True)
    source = fields.String(required=True)
    format = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    requested_by = fields.String(required=True)
    params = fields.Dict(required=True, metadata={"description": "Filters, columns and layout"})
    rows_total = fields.Integer(allow_none=True)
    rows_written = fields.Integer(required=True)
    percent = fields.Float(allow_none=True)
    seconds_left = fields.Integer(
        allow_none=True, metadata={"description": "Estimated at the pace so far, while running"}
    )
    attempts = fields.Integer(required=True)
    error = fields.String(allow_none=True)
    file_size = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)


class ExportQuery(PageQuery):
    pass


ExportPage = page_of(ExportOutput, "ExportPage")
