"""Staff users (admin only)."""

import re

from marshmallow import Schema, fields, validate

from models.users import MIN_PASSWORD_LENGTH, ROLES, USERNAME_PATTERN
from schemas.common import InputSchema, StrictBoolean, Text


class UserInput(InputSchema):
    username = Text(
        required=True,
        validate=validate.Regexp(
            USERNAME_PATTERN, flags=re.IGNORECASE, error="2-80 letters, digits, . _ or -."
        ),
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=1024)
    )
    full_name = Text(load_default="", validate=validate.Length(max=150))
    active = StrictBoolean(load_default=True)


class UserUpdateInput(InputSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    password = fields.String(
        load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=1024)
    )
    full_name = Text(validate=validate.Length(max=150))
    active = StrictBoolean()


class UserOutput(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
