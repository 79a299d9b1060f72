"""Service health."""

from marshmallow import Schema, fields


class HealthOutput(Schema):
    status = fields.String(required=True, metadata={"description": "ok or degraded"})
    database = fields.String(required=True, metadata={"description": "ok or unreachable"})
    broker = fields.String(required=True, metadata={"description": "ok or unreachable"})
