"""Service health."""

from marshmallow import Schema, fields, validate


class HealthOutput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded")))
    database = fields.String(required=True, validate=validate.OneOf(("ok", "unreachable")))
    broker = fields.String(required=True, validate=validate.OneOf(("ok", "unreachable")))
