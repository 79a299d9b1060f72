"""A staff user's favorites [5.9]: shortcuts to places in the API."""

from marshmallow import Schema, fields

from models.customers.favorites import MAX_TARGET, TARGET_PATTERN
from schemas.common import InputSchema, Text


class FavoriteInput(InputSchema):
    label = Text(required=True, min_length=1, max_length=80)
    target = Text(
        required=True,
        shape=TARGET_PATTERN,
        max_length=MAX_TARGET,
        shape_error="A relative API path such as customers/1234/contacts (no scheme, host, "
        "leading / or ..).",
        metadata={"example": "customers/1234/contacts"},
    )


class FavoriteOutput(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    target = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


FavoriteList = Schema.from_dict(
    {"items": fields.List(fields.Nested(FavoriteOutput), required=True)}, name="FavoriteList"
)
