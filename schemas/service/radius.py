"""RADIUS: the NASes Provedor disconnects sessions on, and the Disconnect-Requests it owes."""

from marshmallow import Schema, fields, validate

from models.service.radius_disconnects import STATUSES
from schemas.common import DeviceSecret, InputSchema, PageQuery, Text, WholeNumber, page_of


class NasInput(InputSchema):
    nasname = fields.IP(required=True, metadata={"description": "The NAS's IP address"})
    shortname = Text(required=True, min_length=1, max_length=32)
    type = Text(load_default="other", max_length=30)
    secret = DeviceSecret(required=True)
    coa_port = WholeNumber(load_default=3799, validate=validate.Range(min=1, max=65535))
    description = Text(allow_none=True, max_length=200)


class NasOutput(Schema):
    id = fields.Integer(required=True)
    nasname = fields.String(required=True)
    shortname = fields.String(required=True)
    type = fields.String(required=True)
    coa_port = fields.Integer(required=True)
    description = fields.String(allow_none=True)


NasList = Schema.from_dict(
    {"items": fields.List(fields.Nested(NasOutput), required=True)}, name="NasList"
)


class DisconnectOutput(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(allow_none=True)
    cause = fields.String(required=True)
    username = fields.String(required=True)
    acct_session_id = fields.String(required=True)
    nas_ip = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)


class DisconnectQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))


DisconnectPage = page_of(DisconnectOutput, "DisconnectPage")
DisconnectList = Schema.from_dict(
    {"items": fields.List(fields.Nested(DisconnectOutput), required=True)},
    name="DisconnectList",
)
