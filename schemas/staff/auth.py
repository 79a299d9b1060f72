"""Login and the current user."""

from marshmallow import Schema, fields

from schemas.common import InputSchema, Password, Text


class LoginInput(InputSchema):
    username = Text(required=True, min_length=1, max_length=80)
    password = Password(required=True, min_length=1)


class TokenOutput(Schema):
    access_token = fields.String(required=True)
    token_type = fields.Constant("Bearer")
    expires_at = fields.AwareDateTime(required=True)
