"""Holidays: the national ones (read only) and the local ones an admin adds."""

from marshmallow import Schema, fields, validate

from schemas.common import Date, InputSchema, Text


class HolidayInput(InputSchema):
    """A local holiday: a date on which the banks of the ISP's city are closed."""

    date = Date(required=True, metadata={"description": "One date per local holiday"})
    name = Text(required=True, min_length=2, max_length=120)


class HolidayOutput(Schema):
    id = fields.Integer(
        allow_none=True, metadata={"description": "Local holidays only; null for national ones"}
    )
    date = Date(required=True)
    name = fields.String(required=True)
    national = fields.Boolean(
        required=True, metadata={"description": "From the national and banking calendar"}
    )


class HolidayQuery(InputSchema):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "Default: the current year (ISP's time zone)"},
    )


HolidayList = Schema.from_dict(
    {"items": fields.List(fields.Nested(HolidayOutput), required=True)}, name="HolidayList"
)
