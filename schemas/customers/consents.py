"""Consents per contact channel (LGPD): the current state, a change, and the earlier states."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.customers.consents import CHANNELS, HOWS
from schemas.common import InputSchema, PageQuery, StrictBoolean, Text, page_of


class ConsentStatementInput(InputSchema):
    """What the customer stated for one channel; when and by whom are recorded automatically."""

    given = StrictBoolean(required=True, metadata={"description": "false: withdrawn or refused"})
    how = fields.String(required=True, validate=validate.OneOf(HOWS))
    note = Text(allow_none=True, max_length=500)


class ConsentChannelsInput(InputSchema):
    """One or more channels; the ones left out keep their state."""

    email = fields.Nested(ConsentStatementInput)
    sms = fields.Nested(ConsentStatementInput)
    whatsapp = fields.Nested(ConsentStatementInput)
    phone_call = fields.Nested(ConsentStatementInput)

    @validates_schema
    def _not_empty(self, data, **_kwargs):
        if not data:
            raise ValidationError("Send at least one channel.")

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        return {**generated, "minProperties": 1}


class ConsentsInput(InputSchema):
    channels = fields.Nested(ConsentChannelsInput, required=True)


class ConsentOutput(Schema):
    """A channel's state; all null but `channel` when never recorded."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    given = fields.Boolean(required=True, allow_none=True)
    at = fields.AwareDateTime(required=True, allow_none=True)
    by = fields.String(required=True, allow_none=True, metadata={"description": "Staff login"})
    how = fields.String(required=True, allow_none=True, validate=validate.OneOf(HOWS))
    note = fields.String(required=True, allow_none=True)


class ConsentRecordOutput(Schema):
    id = fields.Integer(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    given = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)
    by = fields.String(required=True)
    how = fields.String(required=True, validate=validate.OneOf(HOWS))
    note = fields.String(required=True, allow_none=True)


class ConsentHistoryQuery(PageQuery):
    channel = fields.String(validate=validate.OneOf(CHANNELS))


ConsentList = Schema.from_dict(
    {"items": fields.List(fields.Nested(ConsentOutput), required=True)}, name="ConsentList"
)
ConsentRecordPage = page_of(ConsentRecordOutput, "ConsentRecordPage")
