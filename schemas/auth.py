"""Login and the current user."""

from marshmallow import Schema, fields, validate

from schemas.common import InputSchema


class LoginInput(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class TokenOutput(Schema):
    access_token = fields.String(required=True)
    token_type = fields.Constant("Bearer")
    expires_at = fields.AwareDateTime(required=True)
