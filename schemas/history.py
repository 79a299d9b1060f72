"""Change history entries ("Histórico", manual [5.7])."""

from marshmallow import Schema, fields, validate

from schemas.common import page_of


class ChangeOutput(Schema):
    field = fields.String(required=True)
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class HistoryEntryOutput(Schema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    username = fields.String(required=True, metadata={"description": "Staff login"})
    ip = fields.String(allow_none=True)
    by_system = fields.Boolean(
        required=True, metadata={"description": "Done by an automatic task for `username`"}
    )
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    action = fields.String(required=True, validate=validate.OneOf(("create", "update", "delete")))
    changes = fields.List(fields.Nested(ChangeOutput), required=True)


HistoryPage = page_of(HistoryEntryOutput, "HistoryPage")
